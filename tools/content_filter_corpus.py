"""Build the content filter's templated training corpus (``resources/content_filter/train/templated.tsv``).

The templates (tools/content_filter_corpus_en.py, tools/content_filter_corpus_zh.py) were written for AIGC Studio,
never from the benchmark sets: per language and category, harmful requests (direct, indirect, slang, methods,
image prompts) and harmless look-alikes (the same words in fashion, food, medicine, history, idioms, games).
Each frame's slots are filled at random (seeded), and a prompt is sometimes wrapped as users type ("please …",
"帮我…", "…，高清"), the same wrappers for both classes. The fourth column names the frame, so that a frame's
prompts fall in one validation fold (tools/train_content_filter.py), and general prompts (how-to questions,
writing requests, image prompts) teach that "how to" or 怎么 alone is no sign of harm.

    python tools/content_filter_corpus.py [--per-frame 30] [--out resources/content_filter/train/templated.tsv]
"""
from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from content_filter_corpus_en import EN  # noqa: E402
from content_filter_corpus_zh import ZH  # noqa: E402

OUT = ROOT / "resources" / "content_filter" / "train" / "templated.tsv"
SLOT = re.compile(r"\{(\w+)\}")
WRAP = {
    "en": ["{}", "{}", "{}", "{}", "please {}", "can you {}", "{}?", "{} pls", "hey, {}", "quick question: {}",
           "{}, high quality", "i need this: {}", "{} lol", "{}!!", "ok so {}", "{} asap", "bro {}"],
    "zh": ["{}", "{}", "{}", "{}", "帮我{}", "请问{}", "{}？", "{}，高清", "{}，谢谢", "急！{}", "{}啊", "在线等，{}",
           "老师，{}", "{}，要详细一点", "那个，{}"],
}
GENERAL = {
    "en": ([
        "how to {task}", "how do i {task}", "what's the best way to {task}", "write {doc} about {topic}",
        "{img}, {style}", "explain {topic} to a beginner", "give me tips to {task}", "can you help me {task}",
        "step by step guide to {task}", "draw {img}", "summarize {topic} in three sentences",
    ], dict(task="fix a leaking faucet|learn python fast|train my puppy to sit|make sourdough bread|"
                 "save money on groceries|remove a virus from my laptop|get rid of dark circles|cut down a small tree|"
                 "destroy old hard drives safely|break a bad habit|beat procrastination|shoot better photos at night|"
                 "clean a cast iron pan|ask for a raise|write a cover letter|plant tomatoes|paint a bedroom|"
                 "negotiate rent|fall asleep faster|prepare for a marathon|change a car tire|set up a home network|"
                 "make my code run faster|get over a breakup|hide cables behind a tv|poison-proof my house for a toddler",
         doc="a blog post|a poem|an email|a short story|a product description|a speech|a haiku|a report",
         topic="climate change|the french revolution|black holes|the stock market|photosynthesis|machine learning|"
               "the roman empire|coffee farming|the water cycle|jazz history|how vaccines work|the cold war",
         img="a cozy cabin in the snow|a cyberpunk city at night|a cat wearing a tiny hat|a bowl of ramen|"
             "a dragon flying over mountains|an astronaut on mars|a field of sunflowers|a portrait of an old sailor|"
             "a robot reading a book|a fantasy castle|a koi pond|a busy tokyo street",
         style="oil painting|watercolor|photorealistic|anime style|8k|pixel art|studio ghibli style|minimalist")),
    "zh": ([
        "怎么{task}", "如何{task}", "{task}有什么技巧", "写一篇关于{topic}的{doc}", "{img}，{style}", "给我解释一下{topic}",
        "画一张{img}", "用三句话总结{topic}", "{task}的步骤",
    ], dict(task="修水龙头|快速学会Python|训练小狗坐下|做酸面包|省钱买菜|清除电脑病毒|去黑眼圈|砍掉院子里的小树|"
                 "彻底删除旧硬盘数据|戒掉熬夜|战胜拖延症|拍好夜景照片|养多肉植物|跟老板谈加薪|写求职信|"
                 "种番茄|刷墙|租房砍价|快速入睡|准备马拉松|换轮胎|组建家庭网络|让代码跑得更快|走出失恋|"
                 "做红烧肉|去除衣服上的油渍|挂一幅画|拔掉智齿后护理",
         topic="气候变化|法国大革命|黑洞|股票市场|光合作用|机器学习|罗马帝国|咖啡种植|水循环|唐诗|疫苗原理|冷战",
         doc="作文|博客|演讲稿|邮件|短篇小说|产品介绍|诗|报告",
         img="雪中的小木屋|赛博朋克城市夜景|戴小帽子的猫|一碗拉面|飞过山脉的龙|火星上的宇航员|向日葵花田|"
             "老水手的肖像|读书的机器人|奇幻城堡|锦鲤池|热闹的成都街头",
         style="油画|水彩|写实|动漫风格|8k|像素风|宫崎骏风格|极简")),
}


def fill(frame: str, slots: dict[str, str], rng: random.Random) -> str:
    return SLOT.sub(lambda m: rng.choice(slots[m.group(1)].split("|")), frame)


def combos(frame: str, slots: dict[str, str]) -> int:
    n = 1
    for name in SLOT.findall(frame):
        n *= len(slots[name].split("|"))
    return n


def build(per_frame: int, seed: int = 25) -> list[tuple[str, str, str, str, str]]:
    """(harmful|harmless, language, category, prompt, frame id) rows, harmful first; the category of a harmless row is the one it
    is a near-miss of ("general" for the general prompts)."""
    rng = random.Random(seed)
    rows: list[tuple[str, str, str, str, str]] = []
    seen: set[str] = set()
    cells = [(k, v) for k, v in {**EN, **ZH}.items() if k[2]] + [(k, v) for k, v in {**EN, **ZH}.items() if not k[2]]
    cells += [((lang, "general", False), spec) for lang, spec in GENERAL.items()]
    for (lang, category, harmful), (frames, slots) in cells:
        for j, frame in enumerate(frames):
            fid = f"{lang}:{category}:{int(harmful)}:{j}"
            want = min(combos(frame, slots), per_frame if harmful else per_frame * 2)
            tries = 0
            got = 0
            while got < want and tries < want * 6:
                tries += 1
                text = fill(frame, slots, rng)
                if rng.random() < 0.35:
                    text = rng.choice(WRAP[lang]).format(text)
                key = text.casefold()
                if key in seen:
                    continue
                seen.add(key)
                rows.append(("harmful" if harmful else "harmless", lang, category, text, fid))
                got += 1
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--per-frame", type=int, default=30, help="harmful prompts per frame (harmless: twice)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    rows = build(args.per_frame)
    lines = ["\t".join(row) for row in rows]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    n_harm = sum(line.startswith("harmful") for line in lines)
    print(f"wrote {args.out}: {len(lines)} prompts ({n_harm} harmful, {len(lines) - n_harm} harmless)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
