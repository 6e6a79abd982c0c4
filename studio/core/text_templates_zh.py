"""The built-in content templates in Simplified Chinese (zh_CN): the same templates, names and fields as
``text_templates.BUILTIN_TEMPLATES``, written as a Chinese user would ask, so the model is asked in Chinese.

They are their own text, not a translation catalogue's: a prompt is content (its wording steers the model),
so each one is written in Chinese rather than translated word for word.
"""
from __future__ import annotations

from studio.core.text_templates import ContentTemplate, TemplateField


def _f(name: str, label: str, hint: str = "", multiline: bool = False, required: bool = True) -> TemplateField:
    return TemplateField(name, label, hint, multiline, required)


_WRITER = "你是一位经验丰富的专业写手。只输出所要求的文字，不要开场白。"

ZH_CN_TEMPLATES: tuple[ContentTemplate, ...] = (
    ContentTemplate(
        "marketing_copy", "营销文案",
        "为{product}写一段有说服力的营销文案。目标受众：{audience}。语气：{tone}。突出以下卖点：{points}。"
        "最后加上一句行动号召。",
        (_f("product", "产品或服务", "例如：太阳能手机充电器"),
         _f("audience", "目标受众", "例如：徒步和露营爱好者"),
         _f("tone", "语气", "例如：热情、亲切"),
         _f("points", "卖点", "一个或多个卖点", multiline=True)),
        _WRITER, "一段带行动号召的简短广告文案。", 0.8),
    ContentTemplate(
        "product_description", "商品描述",
        "为网店写一段商品描述。商品：{product}。特点：{features}。不超过{words}字。",
        (_f("product", "商品", "例如：陶瓷咖啡杯，350 毫升"),
         _f("features", "特点", "材质、尺寸、与众不同之处", multiline=True),
         _f("words", "最多字数", "例如：120")),
        _WRITER, "清晰、吸引人的商品详情页描述。", 0.7),
    ContentTemplate(
        "story", "短篇故事",
        "写一篇{genre}题材的短篇故事，讲述{premise}。主人公是{character}。",
        (_f("genre", "题材", "例如：科幻、童话"),
         _f("premise", "故事梗概", "发生了什么", multiline=True),
         _f("character", "主人公", "例如：一位退休的灯塔看守人")),
        "你是一位富有想象力的故事作者。", "根据梗概写一篇短篇故事。", 0.9, 600),
    ContentTemplate(
        "poem", "诗歌",
        "写一首关于{topic}的{form}。情绪：{mood}。",
        (_f("form", "体裁", "例如：现代诗、五言绝句、俳句"),
         _f("topic", "主题", "例如：秋雨"),
         _f("mood", "情绪", "例如：惆怅、欢快")),
        "你是一位诗人。", "按选定的体裁和情绪写一首诗。", 0.9, 200),
    ContentTemplate(
        "news_summary", "新闻摘要",
        "用{sentences}句话为普通读者概括下面这篇文章。\n\n{article}",
        (_f("sentences", "句数", "例如：3"),
         _f("article", "文章正文", "粘贴文章", multiline=True)),
        "你是一位严谨的新闻编辑。只写原文中的事实。", "忠实、简短的摘要。", 0.3),
    ContentTemplate(
        "email_reply", "邮件回复",
        "回复下面这封邮件。回复要{intent}。语气：{tone}。\n\n邮件：\n{email}",
        (_f("email", "收到的邮件", "粘贴邮件", multiline=True),
         _f("intent", "回复要做什么", "例如：接受会议邀请，并提议改到周二"),
         _f("tone", "语气", "例如：礼貌、简洁")),
        "你擅长写清晰、得体的邮件。", "回复你收到的一封邮件。", 0.5),
    ContentTemplate(
        "social_post", "社交媒体帖子",
        "为{audience}写一条关于{topic}的{platform}帖子，附上{hashtags}个相关话题标签。",
        (_f("platform", "平台", "例如：微博、小红书、微信朋友圈"),
         _f("topic", "主题", "帖子讲什么", multiline=True),
         _f("audience", "目标受众", "例如：小企业主"),
         _f("hashtags", "话题标签数量", "例如：3")),
        "你是一位社交媒体运营。", "一条带话题标签的简短帖子。", 0.8, 200),
    # A trained text classifier's results (文本 ▸ 理解, or main.py classify --file) fill these in.
    ContentTemplate(
        "sentiment_monitoring", "舆情监测报告",
        "为{subject}写一份{period}的简短舆情监测报告。情感分类器对客户评论的标注结果：{counts}。"
        "典型评论：{examples}。说明大家喜欢什么、抱怨什么、情绪走势如何，以及下一步该做什么。",
        (_f("subject", "产品或品牌", "例如：我们的配送服务"),
         _f("period", "时间段", "例如：3 月 3 日这一周"),
         _f("counts", "各标签数量", "来自“对文件分类…”，例如：负面 12，正面 40"),
         _f("examples", "评论示例", "每个标签几条评论", multiline=True)),
        "你是一位客户洞察分析师。简明、客观。",
        "把情感分类器的统计结果写成一份监测报告。", 0.4, 350),
    ContentTemplate(
        "support_routing", "客服分流回复",
        "一位客户写道：{message}\n我们的意图分类器把它分给了{team}团队（置信度 {confidence}）。"
        "请以该团队的身份写第一条回复：确认收到请求，说明接下来如何处理，并询问团队还需要的信息。",
        (_f("message", "客户留言", multiline=True),
         _f("team", "分给", "分类器给出的标签，例如：账单、物流、技术"),
         _f("confidence", "置信度", "该标签的概率，例如：0.93", required=False)),
        "你是一位礼貌、高效的客服人员。",
        "为意图分类器分流后的留言写第一条回复。", 0.5, 250),
)
ZH_CN_TEMPLATES = tuple(ContentTemplate(**{**t.__dict__, "builtin": True}) for t in ZH_CN_TEMPLATES)
