<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>About</name>
    <message>
        <source>build</source>
        <translation>构建</translation>
    </message>
    <message>
        <source>Python</source>
        <translation>Python</translation>
    </message>
    <message>
        <source>platform</source>
        <translation>平台</translation>
    </message>
    <message>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>studio home</source>
        <translation>工作室目录</translation>
    </message>
    <message>
        <source>resources</source>
        <translation>资源目录</translation>
    </message>
    <message>
        <source>Create images and text with generative models on your own computer, offline.</source>
        <translation>在您自己的电脑上离线使用生成式模型创作图片和文本。</translation>
    </message>
    <message>
        <source>About {0}</source>
        <translation>关于 {0}</translation>
    </message>
</context>
<context>
    <name>AppearancePage</name>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Applied when you press OK.</source>
        <translation>按“确定”后生效。</translation>
    </message>
    <message>
        <source>Appearance</source>
        <translation>外观</translation>
    </message>
</context>
<context>
    <name>BatchGrid</name>
    <message>
        <source>grid of {0} images</source>
        <translation>{0} 张图片的网格</translation>
    </message>
</context>
<context>
    <name>CanvasEditor</name>
    <message>
        <source>Undo edit</source>
        <translation>撤销编辑</translation>
    </message>
    <message>
        <source>Redo edit</source>
        <translation>重做编辑</translation>
    </message>
    <message>
        <source>Paste image</source>
        <translation>粘贴图片</translation>
    </message>
    <message>
        <source>Smaller brush</source>
        <translation>缩小画笔</translation>
    </message>
    <message>
        <source>Bigger brush</source>
        <translation>放大画笔</translation>
    </message>
    <message>
        <source>Canvas</source>
        <translation>画布</translation>
    </message>
    <message>
        <source>Open an image to edit</source>
        <translation>打开要编辑的图片</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)</translation>
    </message>
    <message>
        <source>The clipboard holds no image.</source>
        <translation>剪贴板中没有图片。</translation>
    </message>
    <message>
        <source>Pasted</source>
        <translation>已粘贴</translation>
    </message>
    <message>
        <source>Open an image first.</source>
        <translation>请先打开一张图片。</translation>
    </message>
    <message>
        <source>Fill mask</source>
        <translation>填充蒙版</translation>
    </message>
    <message>
        <source>Clear mask</source>
        <translation>清除蒙版</translation>
    </message>
    <message>
        <source>Invert mask</source>
        <translation>反转蒙版</translation>
    </message>
    <message>
        <source>Erase mask</source>
        <translation>擦除蒙版</translation>
    </message>
    <message>
        <source>Paint mask</source>
        <translation>绘制蒙版</translation>
    </message>
    <message>
        <source>Dropped</source>
        <translation>已拖入</translation>
    </message>
    <message>
        <source>The engine is still starting; try again in a moment.</source>
        <translation>引擎仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Open an image first (Open…, drag and drop, or paste).</source>
        <translation>请先打开一张图片（打开…、拖放或粘贴）。</translation>
    </message>
    <message>
        <source>The mask is empty: paint the area to repaint with the brush first.</source>
        <translation>蒙版为空：请先用画笔涂出要重绘的区域。</translation>
    </message>
    <message>
        <source>Set how many pixels to add on at least one side (Extend L/T/R/B).</source>
        <translation>请至少为一侧设置要扩展的像素数（扩展 左/上/右/下）。</translation>
    </message>
    <message>
        <source>Queued {0} (job #{1})</source>
        <translation>已加入队列：{0}（任务 #{1}）</translation>
    </message>
    <message>
        <source>Img2img</source>
        <translation>图生图</translation>
    </message>
    <message>
        <source>Inpaint</source>
        <translation>局部重绘</translation>
    </message>
    <message>
        <source>Outpaint</source>
        <translation>扩图</translation>
    </message>
    <message>
        <source>Upscale</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Cannot open {0}</source>
        <translation>无法打开 {0}</translation>
    </message>
    <message>
        <source>Nothing to export.</source>
        <translation>没有可导出的内容。</translation>
    </message>
    <message>
        <source>Export image</source>
        <translation>导出图片</translation>
    </message>
    <message>
        <source>PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp)</source>
        <translation>PNG (*.png);;JPEG (*.jpg *.jpeg);;WebP (*.webp)</translation>
    </message>
    <message>
        <source>Export as .png, .jpg or .webp.</source>
        <translation>请导出为 .png、.jpg 或 .webp。</translation>
    </message>
    <message>
        <source>Could not encode the image as {0}.</source>
        <translation>无法将图片编码为 {0}。</translation>
    </message>
    <message>
        <source>Could not save the image: {0}</source>
        <translation>无法保存图片：{0}</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>CompletionEditor</name>
    <message>
        <source>Write the beginning of a text, put the cursor where it should go on, and press Continue (Ctrl+Enter). The model writes from the cursor.</source>
        <translation>写下文本的开头，把光标放在要续写的位置，然后按“续写”（Ctrl+Enter）。模型会从光标处接着写。</translation>
    </message>
</context>
<context>
    <name>ContentFilterPage</name>
    <message>
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Warn (ask before running)</source>
        <translation>警告（运行前询问）</translation>
    </message>
    <message>
        <source>Block</source>
        <translation>阻止</translation>
    </message>
    <message>
        <source>Policy</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Checks image prompts (not negative prompts), text prompts and chat messages before a job runs, and generated text as it streams. Block: the job ends, naming the rule&apos;s category; nothing is generated or saved. Warn: you are asked, and may run it once.</source>
        <translation>在任务运行前检查图像提示词（不含反向提示词）、文本提示词和对话消息，并在生成文本时逐段检查。阻止：任务结束并说明所触发规则的类别，不生成也不保存任何内容。警告：先询问您，可以选择运行一次。</translation>
    </message>
    <message>
        <source>Word lists</source>
        <translation>词表</translation>
    </message>
    <message>
        <source>Open the word lists folder</source>
        <translation>打开词表文件夹</translation>
    </message>
    <message>
        <source>Reading its weights…</source>
        <translation>正在读取权重…</translation>
    </message>
    <message>
        <source>Prompt classifier</source>
        <translation>提示词分类器</translation>
    </message>
    <message>
        <source>e.g. graphic violence, nudity (empty: no image check)</source>
        <translation>例如 graphic violence, nudity（留空：不检查图片）</translation>
    </message>
    <message>
        <source>Image concepts</source>
        <translation>图像概念</translation>
    </message>
    <message>
        <source>Comma-separated phrases a CLIP compares each generated image with before it is saved (like Stable Diffusion&apos;s safety checker).</source>
        <translation>以逗号分隔的短语；每张生成的图片在保存前都会由 CLIP 与之比对（类似 Stable Diffusion 的安全检查器）。</translation>
    </message>
    <message>
        <source>Image threshold</source>
        <translation>图像阈值</translation>
    </message>
    <message>
        <source>The CLIP similarity (0-1) at which an image counts as showing a concept.</source>
        <translation>图片被认为呈现某个概念时的 CLIP 相似度（0-1）。</translation>
    </message>
    <message>
        <source>The first installed CLIP</source>
        <translation>第一个已安装的 CLIP</translation>
    </message>
    <message>
        <source>CLIP for images</source>
        <translation>检查图片用的 CLIP</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Text classifier</source>
        <translation>文本分类器</translation>
    </message>
    <message>
        <source>A classifier you trained on moderation data also checks prompts before a job runs.</source>
        <translation>用您在审核数据上训练的分类器，在任务运行前同时检查提示词。</translation>
    </message>
    <message>
        <source>e.g. toxic, spam</source>
        <translation>例如 toxic, spam</translation>
    </message>
    <message>
        <source>Harmful labels</source>
        <translation>有害标签</translation>
    </message>
    <message>
        <source>Classifier threshold</source>
        <translation>分类器阈值</translation>
    </message>
    <message>
        <source>Probability of a harmful label at which a text is flagged.</source>
        <translation>文本被标记时有害标签的概率阈值。</translation>
    </message>
    <message>
        <source>; {0} allowed phrases</source>
        <translation>；{0} 个允许短语</translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <source>empty</source>
        <translation>空</translation>
    </message>
    <message>
        <source>Editable files in {0}; your edits are kept. Case, full-width forms, leetspeak, traditional Chinese and spaces or punctuation inside a word are ignored.</source>
        <translation>可编辑的文件位于 {0}；你的修改会被保留。匹配时忽略大小写、全角形式、火星文（如 b0mb）、繁体中文以及词中的空格和标点。</translation>
    </message>
    <message>
        <source>Built in, but its weights file is unusable (see the log): the word lists work alone.</source>
        <translation>内置，但其权重文件无法使用（见日志）：仅由词表过滤。</translation>
    </message>
    <message>
        <source>Built in (English and Chinese): it also reads every prompt, blocks harmful ones the lists miss, and lets a prompt the lists flag pass when it reads it as a harmless near-miss (a prompt of four words or more, every word known to it). Generated text is checked by the lists alone.</source>
        <translation>内置（中英文）：它也会读取每条提示词，拦截词表漏掉的有害提示；对词表标记的提示，若它判断为无害的近似说法（提示词至少四个词，且每个词它都认识），则放行。生成的文本只由词表检查。</translation>
    </message>
    <message>
        <source>Content filter</source>
        <translation>内容过滤</translation>
    </message>
</context>
<context>
    <name>ControlPanel</name>
    <message>
        <source>ControlNet units</source>
        <translation>ControlNet 单元</translation>
    </message>
    <message>
        <source>Add ControlNet unit</source>
        <translation>添加 ControlNet 单元</translation>
    </message>
    <message>
        <source>Image prompt (IP-Adapter)</source>
        <translation>图像提示（IP-Adapter）</translation>
    </message>
    <message>
        <source>Reference image…</source>
        <translation>参考图像…</translation>
    </message>
    <message>
        <source>No image prompt</source>
        <translation>不用图像提示</translation>
    </message>
    <message>
        <source>How strongly the reference image steers the image</source>
        <translation>参考图像对画面的引导强度</translation>
    </message>
    <message>
        <source>no image</source>
        <translation>无图像</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>none (image as given)</source>
        <translation>无（图像原样使用）</translation>
    </message>
    <message>
        <source>Canny edges</source>
        <translation>Canny 边缘</translation>
    </message>
    <message>
        <source>line art / soft edges</source>
        <translation>线稿 / 软边缘</translation>
    </message>
    <message>
        <source>scribble</source>
        <translation>涂鸦</translation>
    </message>
    <message>
        <source>depth (installed depth model)</source>
        <translation>深度（已安装的深度模型）</translation>
    </message>
    <message>
        <source>Automatic (the model&apos;s family)</source>
        <translation>自动（模型所属系列）</translation>
    </message>
    <message>
        <source>{0} cannot take ControlNet units: choose a model of one of these families: {1}.</source>
        <translation>{0} 不能使用 ControlNet 单元：请选择以下系列之一的模型：{1}。</translation>
    </message>
    <message>
        <source>No ControlNet is installed: put ControlNet folders or .safetensors files of your model&apos;s family in your models folder.</source>
        <translation>尚未安装 ControlNet：请把与你的模型同一系列的 ControlNet 文件夹或 .safetensors 文件放入模型文件夹。</translation>
    </message>
    <message>
        <source>With {0}, ControlNet units guide new images only (diffusers has no ControlNet pipeline for its edits).</source>
        <translation>使用 {0} 时，ControlNet 单元只能引导新生成的图像（diffusers 没有用于其编辑的 ControlNet 管线）。</translation>
    </message>
    <message>
        <source>No unit: the prompt alone guides the image.</source>
        <translation>没有单元：只由提示词引导画面。</translation>
    </message>
    <message>
        <source>{0} cannot take an image prompt: IP-Adapters work with SD 1.x and SDXL models.</source>
        <translation>{0} 不能使用图像提示：IP-Adapter 只适用于 SD 1.x 和 SDXL 模型。</translation>
    </message>
    <message>
        <source>No IP-Adapter is installed: put an IP-Adapter .safetensors file with its image_encoder folder in your models folder.</source>
        <translation>没有安装 IP-Adapter：请把 IP-Adapter 的 .safetensors 文件连同它的 image_encoder 文件夹放进模型文件夹。</translation>
    </message>
    <message>
        <source>Reference image</source>
        <translation>参考图像</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)</translation>
    </message>
    <message>
        <source>unreadable</source>
        <translation>无法读取</translation>
    </message>
</context>
<context>
    <name>ControlUnitRow</name>
    <message>
        <source>Remove this unit</source>
        <translation>移除这个单元</translation>
    </message>
    <message>
        <source>Image…</source>
        <translation>图像…</translation>
    </message>
    <message>
        <source>Choose the control image from a file</source>
        <translation>从文件选择控制图</translation>
    </message>
    <message>
        <source>Canvas</source>
        <translation>画布</translation>
    </message>
    <message>
        <source>Use the image on the canvas</source>
        <translation>使用画布上的图像</translation>
    </message>
    <message>
        <source>Scribble</source>
        <translation>涂鸦</translation>
    </message>
    <message>
        <source>Use the strokes painted with the canvas brush as a scribble (paint them on an empty canvas or over an image)</source>
        <translation>把用画布画笔画的笔触作为涂鸦（可在空画布或图像上绘制）</translation>
    </message>
    <message>
        <source>How strongly the unit steers the image</source>
        <translation>这个单元对画面的引导强度</translation>
    </message>
    <message>
        <source>The fraction of the steps at which the unit starts guiding</source>
        <translation>单元开始引导时所处的步数比例</translation>
    </message>
    <message>
        <source>The fraction of the steps at which the unit stops guiding</source>
        <translation>单元停止引导时所处的步数比例</translation>
    </message>
    <message>
        <source>Preprocessor</source>
        <translation>预处理器</translation>
    </message>
    <message>
        <source>Weight</source>
        <translation>权重</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Control image</source>
        <translation>控制图</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)</source>
        <translation>图像 (*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif)</translation>
    </message>
    <message>
        <source>The canvas is empty: open or make an image first.</source>
        <translation>画布是空的：请先打开或生成一张图像。</translation>
    </message>
    <message>
        <source>Nothing is painted: paint the strokes on the canvas with the brush first.</source>
        <translation>还没有绘制：请先用画笔在画布上画出笔触。</translation>
    </message>
    <message>
        <source>no image</source>
        <translation>无图像</translation>
    </message>
    <message>
        <source>computed by the job</source>
        <translation>由任务计算</translation>
    </message>
    <message>
        <source>The control image {0} is gone: choose it again.</source>
        <translation>控制图 {0} 已不存在：请重新选择。</translation>
    </message>
    <message>
        <source>The image&apos;s parameters do not hold the control image: choose it.</source>
        <translation>该图像的参数中没有控制图：请选择一张。</translation>
    </message>
</context>
<context>
    <name>DatasetDialog</name>
    <message>
        <source>Make a dataset from a model</source>
        <translation>用模型生成数据集</translation>
    </message>
    <message>
        <source>One prompt (label) per line, e.g.
a red dress
a blue coat</source>
        <translation>每行一条提示词（标签），例如
a red dress
a blue coat</translation>
    </message>
    <message>
        <source>Images per prompt (each with the next seed)</source>
        <translation>每条提示词的图片数（依次使用下一个种子）</translation>
    </message>
    <message>
        <source>The dataset&apos;s folder name under datasets/ in the studio home</source>
        <translation>数据集在工作室主目录 datasets/ 下的文件夹名</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Prompts</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Images per prompt</source>
        <translation>每条提示词的图片数</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Make dataset</source>
        <translation>生成数据集</translation>
    </message>
    <message>
        <source>This model draws without a prompt: its images are captioned with its name.</source>
        <translation>此模型无需提示词即可作画：其图片以模型名称作为描述。</translation>
    </message>
    <message>
        <source>Write at least one prompt (one per line).</source>
        <translation>请至少写一条提示词（每行一条）。</translation>
    </message>
    <message>
        <source>Image {0} of {1}</source>
        <translation>第 {0}/{1} 张图片</translation>
    </message>
</context>
<context>
    <name>DatasetPanel</name>
    <message>
        <source>Captions: </source>
        <translation>描述：</translation>
    </message>
    <message>
        <source>Press “Preview dataset” to see the images the model will learn from.</source>
        <translation>按“预览数据集”查看模型将要学习的图片。</translation>
    </message>
    <message>
        <source>Reading {0}…</source>
        <translation>正在读取 {0}…</translation>
    </message>
</context>
<context>
    <name>DownloadDialog</name>
    <message>
        <source>Download a model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <source>org/name on the Hugging Face hub, or an https:// URL of one file</source>
        <translation>Hugging Face Hub 上的 组织/名称，或单个文件的 https:// 网址</translation>
    </message>
    <message>
        <source>main (a branch, tag or commit)</source>
        <translation>main（分支、标签或提交）</translation>
    </message>
    <message>
        <source>all files (or globs, e.g. *.safetensors, *.json)</source>
        <translation>全部文件（或通配符，如 *.safetensors, *.json）</translation>
    </message>
    <message>
        <source>Repo or URL:</source>
        <translation>仓库或网址：</translation>
    </message>
    <message>
        <source>Revision:</source>
        <translation>版本：</translation>
    </message>
    <message>
        <source>Only files:</source>
        <translation>仅限文件：</translation>
    </message>
    <message>
        <source>Check</source>
        <translation>检查</translation>
    </message>
    <message>
        <source>Ask the hub which files would be downloaded and their size (downloads nothing)</source>
        <translation>向 Hub 查询将下载哪些文件及其大小（不下载任何内容）</translation>
    </message>
    <message>
        <source>Check the repo to see its files and total size before anything is downloaded.</source>
        <translation>下载之前，先检查仓库以查看其文件和总大小。</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>许可证</translation>
    </message>
    <message>
        <source>Memory to run</source>
        <translation>运行所需内存</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Verified by</source>
        <translation>校验方式</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Cancel download</source>
        <translation>取消下载</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>{0}. Choose one, then Check: nothing is downloaded before you agree to its size. Memory budget here: {1}.</source>
        <translation>{0}。选择一个，然后点“检查”：在你同意其大小之前不会下载任何内容。本机内存预算：{1}。</translation>
    </message>
    <message>
        <source>{0} · fits</source>
        <translation>{0} · 可以运行</translation>
    </message>
    <message>
        <source>{0} · too big here</source>
        <translation>{0} · 本机内存不足</translation>
    </message>
    <message>
        <source>about {0}</source>
        <translation>约 {0}</translation>
    </message>
    <message>
        <source>{0}: press Check to see its exact size.</source>
        <translation>{0}：点“检查”查看确切大小。</translation>
    </message>
    <message>
        <source>Offline mode is on: the studio opens no network connection, so Check and Download are disabled. Untick “Offline mode” in the model manager to enable them (it is saved in your settings).</source>
        <translation>离线模式已开启：工作室不会建立任何网络连接，因此“检查”和“下载”不可用。在模型管理中取消勾选“离线模式”即可启用（该选项会保存在设置中）。</translation>
    </message>
    <message>
        <source>The fields changed: check again.</source>
        <translation>内容已更改：请重新检查。</translation>
    </message>
    <message>
        <source>The job queue is still starting; try again in a moment.</source>
        <translation>任务队列仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Asking the hub…</source>
        <translation>正在查询 Hub…</translation>
    </message>
    <message>
        <source>Asking the hub as soon as job #{0} is done…</source>
        <translation>任务 #{0} 完成后将立即查询 Hub…</translation>
    </message>
    <message>
        <source>SHA-256 (hub LFS)</source>
        <translation>SHA-256（Hub LFS）</translation>
    </message>
    <message>
        <source>git blob id</source>
        <translation>git blob ID</translation>
    </message>
    <message>
        <source>nothing (no hash published)</source>
        <translation>无（未公布哈希）</translation>
    </message>
    <message>
        <source> + unknown</source>
        <translation> + 未知</translation>
    </message>
    <message>
        <source>{0}{1}: {2}, {3} in total. Nothing has been downloaded yet.</source>
        <translation>{0}{1}：{2}，共 {3}。尚未下载任何内容。</translation>
    </message>
    <message>
        <source>Download {0} ({1})</source>
        <translation>下载 {0}（{1}）</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在开始…</translation>
    </message>
    <message>
        <source>Cancelling…</source>
        <translation>正在取消…</translation>
    </message>
    <message>
        <source>{0} of {1}</source>
        <translation>{0} / {1}</translation>
    </message>
    <message>
        <source>{0}/s</source>
        <translation>{0}/秒</translation>
    </message>
    <message>
        <source>measuring speed</source>
        <translation>正在测速</translation>
    </message>
    <message>
        <source>{0} left</source>
        <translation>剩余 {0}</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Downloaded and verified. Check another repo, or close this window.</source>
        <translation>已下载并校验。可以检查其他仓库，或关闭此窗口。</translation>
    </message>
    <message>
        <source>✔ {0}: SHA-256 {1} matches the hub</source>
        <translation>✔ {0}：SHA-256 {1} 与 Hub 一致</translation>
    </message>
    <message>
        <source>✔ {0}: git blob id matches the hub (SHA-256 {1})</source>
        <translation>✔ {0}：git blob ID 与 Hub 一致（SHA-256 {1}）</translation>
    </message>
    <message>
        <source>• {0}: not verified, the server publishes no hash (SHA-256 {1})</source>
        <translation>• {0}：未校验，服务器未公布哈希（SHA-256 {1}）</translation>
    </message>
    <message>
        <source>Downloaded{0} to {1}; it is now in the library.</source>
        <translation>已下载{0}到 {1}；现已加入模型库。</translation>
    </message>
    <message>
        <source>The check failed.</source>
        <translation>检查失败。</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>Press Download to resume: what arrived is kept.</source>
        <translation>按“下载”继续：已下载的部分会保留。</translation>
    </message>
    <message>
        <source>Check cancelled.</source>
        <translation>检查已取消。</translation>
    </message>
    <message>
        <source>Cancelled. What arrived is kept: Download resumes from there.</source>
        <translation>已取消。已下载的部分会保留：再次下载将从此处继续。</translation>
    </message>
    <message>
        <source>Resume download of {0} ({1})</source>
        <translation>继续下载 {0}（{1}）</translation>
    </message>
</context>
<context>
    <name>EditDocument</name>
    <message>
        <source>Back to version {0}</source>
        <translation>回到版本 {0}</translation>
    </message>
</context>
<context>
    <name>EditTools</name>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Open an image to edit (or drop / paste one)</source>
        <translation>打开要编辑的图片（或拖入 / 粘贴）</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>画笔</translation>
    </message>
    <message>
        <source>Paint the mask: the area to repaint</source>
        <translation>绘制蒙版：要重绘的区域</translation>
    </message>
    <message>
        <source>Eraser</source>
        <translation>橡皮擦</translation>
    </message>
    <message>
        <source>Erase the mask</source>
        <translation>擦除蒙版</translation>
    </message>
    <message>
        <source>Brush size in image pixels ([ and ])</source>
        <translation>画笔大小，以图片像素计（[ 和 ]）</translation>
    </message>
    <message>
        <source>Brush hardness (0: soft edge, 100: hard)</source>
        <translation>画笔硬度（0：柔边，100：硬边）</translation>
    </message>
    <message>
        <source>Fill</source>
        <translation>填充</translation>
    </message>
    <message>
        <source>Mask the whole image</source>
        <translation>蒙住整张图片</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清除</translation>
    </message>
    <message>
        <source>Clear the mask</source>
        <translation>清除蒙版</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>反转</translation>
    </message>
    <message>
        <source>Invert the mask</source>
        <translation>反转蒙版</translation>
    </message>
    <message>
        <source>How much img2img/inpaint changes (0–1)</source>
        <translation>图生图/局部重绘的改变程度（0–1）</translation>
    </message>
    <message>
        <source>Mask feather: how softly the result blends in (inside the mask)</source>
        <translation>蒙版羽化：结果融入原图的柔和程度（蒙版内）</translation>
    </message>
    <message>
        <source>Only masked</source>
        <translation>仅蒙版区域</translation>
    </message>
    <message>
        <source>Inpaint a crop around the mask at the model&apos;s resolution (sharp small edits on large images)</source>
        <translation>以模型的分辨率重绘蒙版周围的裁剪区域（在大图上做清晰的小修改）</translation>
    </message>
    <message>
        <source>Img2img</source>
        <translation>图生图</translation>
    </message>
    <message>
        <source>Regenerate the whole image from it</source>
        <translation>以它为基础重新生成整张图片</translation>
    </message>
    <message>
        <source>Inpaint</source>
        <translation>局部重绘</translation>
    </message>
    <message>
        <source>Regenerate only the masked area</source>
        <translation>只重新生成蒙版区域</translation>
    </message>
    <message>
        <source>left</source>
        <translation>左侧</translation>
    </message>
    <message>
        <source>top</source>
        <translation>上方</translation>
    </message>
    <message>
        <source>right</source>
        <translation>右侧</translation>
    </message>
    <message>
        <source>bottom</source>
        <translation>下方</translation>
    </message>
    <message>
        <source>Outpaint: pixels to add on the {0} (multiple of 8)</source>
        <translation>扩图：在{0}增加的像素（8 的倍数）</translation>
    </message>
    <message>
        <source>edge</source>
        <translation>边缘延伸</translation>
    </message>
    <message>
        <source>noise</source>
        <translation>噪声</translation>
    </message>
    <message>
        <source>How the new area starts before it is painted</source>
        <translation>新区域在绘制前的初始填充方式</translation>
    </message>
    <message>
        <source>Outpaint</source>
        <translation>扩图</translation>
    </message>
    <message>
        <source>Extend the image and paint the new area</source>
        <translation>扩展图片并绘制新区域</translation>
    </message>
    <message>
        <source>Upscale</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Upscale the current version</source>
        <translation>放大当前版本</translation>
    </message>
    <message>
        <source>Describe</source>
        <translation>描述</translation>
    </message>
    <message>
        <source>Describe this image: a CLIP writes a prompt for it into the prompt editor</source>
        <translation>描述这张图：由 CLIP 为它写出提示词，填入提示词编辑器</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Undo the last mask edit or version (Ctrl+Z)</source>
        <translation>撤销上一次蒙版编辑或版本（Ctrl+Z）</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>Redo (Ctrl+Shift+Z)</source>
        <translation>重做（Ctrl+Shift+Z）</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Save the current version: PNG (with the edit chain), JPEG or WebP</source>
        <translation>保存当前版本：PNG（含编辑链）、JPEG 或 WebP</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Hardness</source>
        <translation>硬度</translation>
    </message>
    <message>
        <source>Strength</source>
        <translation>重绘幅度</translation>
    </message>
    <message>
        <source>Feather</source>
        <translation>羽化</translation>
    </message>
    <message>
        <source>Extend left/top/right/bottom</source>
        <translation>扩展 左/上/右/下</translation>
    </message>
</context>
<context>
    <name>EnginePage</name>
    <message>
        <source>Engine processes per device</source>
        <translation>每个设备的引擎进程数</translation>
    </message>
    <message>
        <source>Jobs that run at the same time; each process holds its own models in memory. Applies at the next start.</source>
        <translation>同时运行的任务数；每个进程在内存中各自加载模型。下次启动时生效。</translation>
    </message>
    <message>
        <source>One shared lane (training waits its turn)</source>
        <translation>共用一个通道（训练需排队等候）</translation>
    </message>
    <message>
        <source>Lanes</source>
        <translation>通道</translation>
    </message>
    <message>
        <source>Off: training runs in a lane of its own, so images, faces, upscales and text keep flowing while a model trains. On: for one small GPU. Applies at the next start.</source>
        <translation>关：训练单独使用一个通道，训练期间图片、人脸、放大和文本任务照常运行。开：适合单块小显存 GPU。下次启动时生效。</translation>
    </message>
    <message>
        <source> s</source>
        <translation> 秒</translation>
    </message>
    <message>
        <source>Cancel grace period</source>
        <translation>取消宽限期</translation>
    </message>
    <message>
        <source>A cancelled job still running after this long is stopped by ending its engine process; a fresh one takes the next job.</source>
        <translation>已取消的任务若超过此时间仍在运行，将结束其引擎进程来停止它；新的进程会接手下一个任务。</translation>
    </message>
    <message>
        <source>Load the engines when the studio starts (the first job starts sooner)</source>
        <translation>工作室启动时即加载引擎（第一个任务开始得更快）</translation>
    </message>
    <message>
        <source>Start-up</source>
        <translation>启动</translation>
    </message>
    <message>
        <source>this computer</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>Engine</source>
        <translation>引擎</translation>
    </message>
    <message>
        <source>Empty: engines run on this computer. host:port: image, text, upscale and faces jobs run on “main.py engine serve” there (e.g. 127.0.0.1:{0} through an SSH tunnel); training stays here. Applies at the next start.</source>
        <translation>留空：引擎在本机运行。host:port：图片、文本、放大和人脸任务在该地址上运行的“main.py engine serve”中执行（例如经 SSH 隧道的 127.0.0.1:{0}）；训练仍在本机进行。下次启动时生效。</translation>
    </message>
    <message>
        <source>Engine token</source>
        <translation>引擎令牌</translation>
    </message>
    <message>
        <source>The remote engine&apos;s token: the file engine-token in its studio home (it prints it when it starts).</source>
        <translation>远程引擎的令牌：位于其工作室主目录中的 engine-token 文件（引擎启动时也会打印出来）。</translation>
    </message>
    <message>
        <source>empty: no TLS (e.g. through an SSH tunnel)</source>
        <translation>留空：不用 TLS（例如经 SSH 隧道）</translation>
    </message>
    <message>
        <source>TLS fingerprint</source>
        <translation>TLS 指纹</translation>
    </message>
    <message>
        <source>For “main.py engine serve --tls”: the SHA-256 fingerprint it prints. The studio then speaks TLS to the engine and refuses any other certificate before sending the token.</source>
        <translation>用于“main.py engine serve --tls”：填它打印的 SHA-256 指纹。工作室随后以 TLS 连接引擎，发送令牌之前拒绝任何其他证书。</translation>
    </message>
    <message>
        <source>Serving: connections</source>
        <translation>服务：连接数</translation>
    </message>
    <message>
        <source>When this computer runs “main.py engine serve”: the most connections it holds at once; more are refused with one line.</source>
        <translation>本机运行“main.py engine serve”时同时保持的最多连接数；超出的连接以一行说明拒绝。</translation>
    </message>
    <message>
        <source>Serving: idle timeout</source>
        <translation>服务：空闲超时</translation>
    </message>
    <message>
        <source>A connected studio that sends nothing and runs no job this long is disconnected; a new connection must send its token within engine_handshake_timeout_s (10 s by default).</source>
        <translation>已连接的工作室在这么长时间内既无消息也无任务时断开；新连接必须在 engine_handshake_timeout_s（默认 10 秒）内发送令牌。</translation>
    </message>
</context>
<context>
    <name>EvaluateDialog</name>
    <message>
        <source>Evaluate</source>
        <translation>评估</translation>
    </message>
    <message>
        <source>Images or .txt files, or folders of them — one per line</source>
        <translation>图片或 .txt 文件，或存放它们的文件夹——每行一个</translation>
    </message>
    <message>
        <source>Add files…</source>
        <translation>添加文件…</translation>
    </message>
    <message>
        <source>Add folder…</source>
        <translation>添加文件夹…</translation>
    </message>
    <message>
        <source>Files and folders</source>
        <translation>文件和文件夹</translation>
    </message>
    <message>
        <source>Generate from prompts</source>
        <translation>根据提示词生成</translation>
    </message>
    <message>
        <source>Evaluate images or texts you have, or let a model make images from your prompts first</source>
        <translation>评估已有的图片或文本，或先让模型根据提示词生成图片</translation>
    </message>
    <message>
        <source>The image model that makes the images (at its recommended settings)</source>
        <translation>生成图片的图像模型（使用其推荐设置）</translation>
    </message>
    <message>
        <source>One prompt per line, e.g.
a red sneaker
a blue dress</source>
        <translation>每行一个提示词，例如
a red sneaker
a blue dress</translation>
    </message>
    <message>
        <source>Images per prompt, with seeds seed, seed+1, …</source>
        <translation>每个提示词的图片数，种子依次为 种子、种子+1、…</translation>
    </message>
    <message>
        <source>empty: each studio PNG&apos;s own prompt</source>
        <translation>留空：使用每张工作室 PNG 自带的提示词</translation>
    </message>
    <message>
        <source>folder, bundled dataset or a studio-trained model (FID/KID)</source>
        <translation>文件夹、内置数据集或工作室训练的模型（FID/KID）</translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation>文件夹…</translation>
    </message>
    <message>
        <source>built-in SmolLM2 (texts only; &apos;none&apos; skips perplexity)</source>
        <translation>内置 SmolLM2（仅用于文本；&apos;none&apos; 跳过困惑度）</translation>
    </message>
    <message>
        <source>Inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Prompts</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Images per prompt</source>
        <translation>每个提示词的图片数</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Reference</source>
        <translation>参考</translation>
    </message>
    <message>
        <source>Language model</source>
        <translation>语言模型</translation>
    </message>
    <message>
        <source>Figure</source>
        <translation>指标</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Files that could not be read, with the reason; the others were scored</source>
        <translation>无法读取的文件及原因；其余文件已评分</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Export JSON…</source>
        <translation>导出 JSON…</translation>
    </message>
    <message>
        <source>Images or texts to evaluate</source>
        <translation>要评估的图片或文本</translation>
    </message>
    <message>
        <source>Images and texts (*.png *.jpg *.jpeg *.webp *.txt)</source>
        <translation>图片和文本 (*.png *.jpg *.jpeg *.webp *.txt)</translation>
    </message>
    <message>
        <source>Choose a folder</source>
        <translation>选择文件夹</translation>
    </message>
    <message>
        <source>No text-to-image model is installed to generate from prompts.</source>
        <translation>没有安装可根据提示词生成图片的文生图模型。</translation>
    </message>
    <message>
        <source>inputs</source>
        <translation>输入</translation>
    </message>
    <message>
        <source>CLIP</source>
        <translation>CLIP</translation>
    </message>
    <message>
        <source>reference</source>
        <translation>参考</translation>
    </message>
    <message>
        <source>language model</source>
        <translation>语言模型</translation>
    </message>
    <message>
        <source>Done in {0:.1f} s.</source>
        <translation>用时 {0:.1f} 秒完成。</translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <source>Skipped ({0}): could not be read</source>
        <translation>已跳过（{0}）：无法读取</translation>
    </message>
    <message>
        <source>CLIP score per image</source>
        <translation>每张图片的 CLIP 分数</translation>
    </message>
    <message>
        <source>Perplexity per text</source>
        <translation>每段文本的困惑度</translation>
    </message>
    <message>
        <source>Export evaluation</source>
        <translation>导出评估结果</translation>
    </message>
    <message>
        <source>Could not write {0}: {1}</source>
        <translation>无法写入 {0}：{1}</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>FacesWorkspace</name>
    <message>
        <source>A GAN model: the built-in faces, or one you trained</source>
        <translation>GAN 模型：内置的人脸模型，或您训练的模型</translation>
    </message>
    <message>
        <source>How many faces (seeds seed, seed+1, …)</source>
        <translation>人脸数量（种子依次为 seed、seed+1、…）</translation>
    </message>
    <message>
        <source>Grid columns (0: as square as possible)</source>
        <translation>网格列数（0：尽量排成正方形）</translation>
    </message>
    <message>
        <source>Latent walk to seed</source>
        <translation>潜空间漫步至种子</translation>
    </message>
    <message>
        <source>Morph smoothly from the first seed&apos;s face to another seed&apos;s</source>
        <translation>从第一个种子的人脸平滑过渡到另一个种子的人脸</translation>
    </message>
    <message>
        <source>Frames of the walk</source>
        <translation>漫步的帧数</translation>
    </message>
    <message>
        <source>Enlarge the saved images for viewing (the model makes 64 px)</source>
        <translation>放大保存的图片以便查看（模型输出 64 px）</translation>
    </message>
    <message>
        <source>Save GIF as…</source>
        <translation>GIF 另存为…</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Columns</source>
        <translation>列数</translation>
    </message>
    <message>
        <source>Frames</source>
        <translation>帧数</translation>
    </message>
    <message>
        <source>Enlarge ×</source>
        <translation>放大 ×</translation>
    </message>
    <message>
        <source>Faces appear here. Pick a seed and press Generate.</source>
        <translation>人脸会显示在这里。选一个种子，然后按“生成”。</translation>
    </message>
    <message>
        <source>Generating {0}/{1}</source>
        <translation>正在生成 {0}/{1}</translation>
    </message>
    <message>
        <source>Done in {0} s</source>
        <translation>用时 {0} 秒完成</translation>
    </message>
    <message>
        <source>Save the latent walk</source>
        <translation>保存潜空间漫步</translation>
    </message>
    <message>
        <source>GIF animation (*.gif)</source>
        <translation>GIF 动画 (*.gif)</translation>
    </message>
    <message>
        <source>Could not save the animation: {0}</source>
        <translation>无法保存动画：{0}</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>FolderEdit</name>
    <message>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Choose a folder</source>
        <translation>选择文件夹</translation>
    </message>
</context>
<context>
    <name>FolderList</name>
    <message>
        <source>Add…</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Add a model folder</source>
        <translation>添加模型文件夹</translation>
    </message>
</context>
<context>
    <name>GeneralPage</name>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>auto picks a GPU when there is one. cuda:N chooses one of several GPUs.</source>
        <translation>auto 会在有 GPU 时自动选用。cuda:N 用于在多块 GPU 中选择一块。</translation>
    </message>
    <message>
        <source> GiB</source>
        <translation> GiB</translation>
    </message>
    <message>
        <source>Automatic (half of the free memory)</source>
        <translation>自动（可用内存的一半）</translation>
    </message>
    <message>
        <source>Memory budget</source>
        <translation>内存预算</translation>
    </message>
    <message>
        <source>Loaded models are kept up to this size; the least recently used is unloaded first.</source>
        <translation>已加载的模型最多占用这么多内存；超出时先卸载最久未用的模型。</translation>
    </message>
    <message>
        <source>Offline mode (no network connection; downloads disabled)</source>
        <translation>离线模式（不建立网络连接；禁用下载）</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>输出文件夹</translation>
    </message>
    <message>
        <source>New images and other results are saved here (empty: the studio&apos;s own folder).</source>
        <translation>新图片和其他结果保存在这里（留空：使用工作室自己的文件夹）。</translation>
    </message>
    <message>
        <source>Automatic (x4plus on a GPU, animevideov3 x4 on the CPU)</source>
        <translation>自动（GPU 上用 x4plus，CPU 上用 animevideov3 x4）</translation>
    </message>
    <message>
        <source>Default upscaler</source>
        <translation>默认放大模型</translation>
    </message>
    <message>
        <source>Used by Upscale (Ctrl+U) and for new images when “Upscale result” is on.</source>
        <translation>用于“放大”（Ctrl+U），以及开启“放大结果”时的新图片。</translation>
    </message>
    <message>
        <source>General</source>
        <translation>常规</translation>
    </message>
</context>
<context>
    <name>GridDialog</name>
    <message>
        <source>Comparison grid</source>
        <translation>对比网格</translation>
    </message>
    <message>
        <source>Columns (x)</source>
        <translation>列（x）</translation>
    </message>
    <message>
        <source>Rows (y)</source>
        <translation>行（y）</translation>
    </message>
    <message>
        <source>Everything else</source>
        <translation>其他参数</translation>
    </message>
    <message>
        <source>Make grid</source>
        <translation>生成网格</translation>
    </message>
    <message>
        <source>Cell</source>
        <translation>单元格</translation>
    </message>
    <message>
        <source>CLIP score</source>
        <translation>CLIP 分数</translation>
    </message>
    <message>
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>Values separated by commas (prompts and models by |)</source>
        <translation>取值以逗号分隔（提示词和模型以 | 分隔）</translation>
    </message>
    <message>
        <source>From the prompt editor: “{0}”, {1}, {2} steps, CFG {3}, seed {4}, {5}×{6}</source>
        <translation>来自提示词编辑器：“{0}”，{1}，{2} 步，CFG {3}，种子 {4}，{5}×{6}</translation>
    </message>
    <message>
        <source>default model</source>
        <translation>默认模型</translation>
    </message>
    <message>
        <source>Queued {0} cells…</source>
        <translation>已将 {0} 格加入队列…</translation>
    </message>
    <message>
        <source>%p% · ETA {0}</source>
        <translation>%p% · 剩余 {0}</translation>
    </message>
    <message>
        <source>Saved {0}</source>
        <translation>已保存 {0}</translation>
    </message>
</context>
<context>
    <name>GuidedWorkspace</name>
    <message>
        <source>What the image should show; CLIP judges how well it does</source>
        <translation>图片应呈现的内容；由 CLIP 判断符合程度</translation>
    </message>
    <message>
        <source>A GAN or VAE whose latent is optimised (train one in Training)</source>
        <translation>要优化其潜变量的 GAN 或 VAE（可在“训练”中训练一个）</translation>
    </message>
    <message>
        <source>The CLIP that judges the image (Automatic: the model&apos;s paired CLIP, else the first installed)</source>
        <translation>用于评判图片的 CLIP（自动：模型配套的 CLIP，否则为第一个已安装的）</translation>
    </message>
    <message>
        <source>Optimisation steps: each one nudges the latent towards the prompt</source>
        <translation>优化步数：每一步都把潜变量向提示词推近一点</translation>
    </message>
    <message>
        <source>How far each step moves the latent (Adam learning rate)</source>
        <translation>每一步移动潜变量的幅度（Adam 学习率）</translation>
    </message>
    <message>
        <source>How strongly the latent stays typical: higher keeps the image closer to what the model normally draws</source>
        <translation>潜变量保持典型的力度：越高，图片越接近模型平常画出的样子</translation>
    </message>
    <message>
        <source>Images drawn from the seed before optimising: the one CLIP ranks best is the start (1: the seed&apos;s own image)</source>
        <translation>优化前由种子抽取的图像数：CLIP 评分最高的一张作为起点（1：只用种子自己的图像）</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>CLIP</source>
        <translation>CLIP</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Starts searched</source>
        <translation>起点搜索数</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Step size</source>
        <translation>步长</translation>
    </message>
    <message>
        <source>Prior weight</source>
        <translation>先验权重</translation>
    </message>
    <message>
        <source>Pick a GAN or VAE, write a prompt and press Generate: every optimisation step appears here.</source>
        <translation>选择一个 GAN 或 VAE，写下提示词并按“生成”：每一步优化都会显示在这里。</translation>
    </message>
    <message>
        <source>(no GAN or VAE installed: train one)</source>
        <translation>（未安装 GAN 或 VAE：请训练一个）</translation>
    </message>
    <message>
        <source>Automatic</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Install or train a GAN or VAE first (Training → GAN on fashion-colour).</source>
        <translation>请先安装或训练一个 GAN 或 VAE（训练 → 在 fashion-colour 上训练 GAN）。</translation>
    </message>
    <message>
        <source>, {0:.0f} s left</source>
        <translation>，剩余 {0:.0f} 秒</translation>
    </message>
    <message>
        <source>step {0}/{1}{2}</source>
        <translation>第 {0}/{1} 步{2}</translation>
    </message>
    <message>
        <source>CLIP score {0:.1f} → {1:.1f} ({2}). Saved {3}</source>
        <translation>CLIP 分数 {0:.1f} → {1:.1f}（{2}）。已保存 {3}</translation>
    </message>
</context>
<context>
    <name>HistoryStrip</name>
    <message>
        <source>Search prompts… (score &gt; 30)</source>
        <translation>搜索提示词…（score &gt; 30）</translation>
    </message>
    <message>
        <source>Words of the prompt; add e.g. &quot;score &gt; 30&quot; to keep images whose CLIP score (how well the image matches its prompt) passes</source>
        <translation>提示词中的词语；加上例如 &quot;score &gt; 30&quot; 可只保留 CLIP 分数（图片与提示词的匹配程度）超过该值的图片</translation>
    </message>
    <message>
        <source>Newest first</source>
        <translation>最新优先</translation>
    </message>
    <message>
        <source>Best CLIP score first</source>
        <translation>CLIP 分数最高优先</translation>
    </message>
    <message>
        <source>Order of the history</source>
        <translation>历史记录的排序</translation>
    </message>
    <message>
        <source>Reuse parameters</source>
        <translation>复用参数</translation>
    </message>
    <message>
        <source>Fill the prompt editor with the selected image&apos;s parameters</source>
        <translation>用所选图片的参数填充提示词编辑器</translation>
    </message>
    <message>
        <source>Open PNG…</source>
        <translation>打开 PNG…</translation>
    </message>
    <message>
        <source>Load the parameters of any PNG (also from other tools)</source>
        <translation>读取任意 PNG 的参数（包括其他工具生成的）</translation>
    </message>
    <message>
        <source>Move to trash</source>
        <translation>移到回收站</translation>
    </message>
    <message>
        <source>Remove the selected images from the history and move their files to the trash (Delete); Undo brings them back</source>
        <translation>从历史记录中移除所选图片，并将其文件移到回收站（Delete）；可撤销恢复</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>No images match “{0}”.</source>
        <translation>没有与“{0}”匹配的图片。</translation>
    </message>
    <message>
        <source>No images yet: what you generate appears here.</source>
        <translation>还没有图片：生成的图片会显示在这里。</translation>
    </message>
    <message>
        <source> · seed {0}</source>
        <translation> · 种子 {0}</translation>
    </message>
    <message>
        <source>CLIP score {0:.1f} ({1})</source>
        <translation>CLIP 分数 {0:.1f}（{1}）</translation>
    </message>
    <message>
        <source>The file is missing: {0}</source>
        <translation>文件不存在：{0}</translation>
    </message>
    <message>
        <source>1 image moved to the trash.</source>
        <translation>已将 1 张图片移到回收站。</translation>
    </message>
    <message>
        <source>{0} images moved to the trash.</source>
        <translation>已将 {0} 张图片移到回收站。</translation>
    </message>
    <message>
        <source>Open PNG parameters</source>
        <translation>打开 PNG 参数</translation>
    </message>
    <message>
        <source>PNG images (*.png);;All files (*)</source>
        <translation>PNG 图片 (*.png);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open PNG</source>
        <translation>打开 PNG</translation>
    </message>
    <message>
        <source>Show on canvas</source>
        <translation>在画布中显示</translation>
    </message>
    <message>
        <source>Describe this image</source>
        <translation>描述这张图</translation>
    </message>
    <message>
        <source>Evaluate selected…</source>
        <translation>评估所选…</translation>
    </message>
    <message>
        <source>Copy prompt</source>
        <translation>复制提示词</translation>
    </message>
    <message>
        <source>Copy file path</source>
        <translation>复制文件路径</translation>
    </message>
    <message>
        <source>Open containing folder</source>
        <translation>打开所在文件夹</translation>
    </message>
</context>
<context>
    <name>ImageCanvas</name>
    <message>
        <source>Your images appear here.
Write a prompt and press Ctrl+Enter.</source>
        <translation>您的图片会显示在这里。
写下提示词，然后按 Ctrl+Enter。</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <source>Fit the image in the view</source>
        <translation>使图片适应视图</translation>
    </message>
    <message>
        <source>1:1</source>
        <translation>1:1</translation>
    </message>
    <message>
        <source>Actual pixels</source>
        <translation>实际像素</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy the image to the clipboard (Ctrl+C)</source>
        <translation>将图片复制到剪贴板（Ctrl+C）</translation>
    </message>
    <message>
        <source>Save as…</source>
        <translation>另存为…</translation>
    </message>
    <message>
        <source>Save the image to a file</source>
        <translation>将图片保存为文件</translation>
    </message>
    <message>
        <source>Copy image</source>
        <translation>复制图片</translation>
    </message>
    <message>
        <source>Preview {0}</source>
        <translation>预览 {0}</translation>
    </message>
    <message>
        <source>(unsaved)</source>
        <translation>（未保存）</translation>
    </message>
    <message>
        <source>Save image as</source>
        <translation>图片另存为</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.webp)</translation>
    </message>
    <message>
        <source>unsupported image format: {0}</source>
        <translation>不支持的图片格式：{0}</translation>
    </message>
    <message>
        <source>Save as</source>
        <translation>另存为</translation>
    </message>
    <message>
        <source>Could not save the image: {0}</source>
        <translation>无法保存图片：{0}</translation>
    </message>
</context>
<context>
    <name>ImageDescriber</name>
    <message>
        <source>The engine is still starting; try again in a moment.</source>
        <translation>引擎仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Describing the image failed: {0}</source>
        <translation>描述图像失败：{0}</translation>
    </message>
    <message>
        <source>Describing the image with a CLIP (job #{0})…</source>
        <translation>正在用 CLIP 描述图像（任务 #{0}）…</translation>
    </message>
    <message>
        <source>The image could not be described.</source>
        <translation>无法描述这张图像。</translation>
    </message>
    <message>
        <source>Described by {0}: edit the prompt as you like (Ctrl+Z brings yours back).</source>
        <translation>已由 {0} 描述：可随意编辑提示词（Ctrl+Z 恢复原来的）。</translation>
    </message>
</context>
<context>
    <name>JobTableModel</name>
    <message>
        <source>queued</source>
        <translation>排队中</translation>
    </message>
    <message>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>interrupted</source>
        <translation>已中断</translation>
    </message>
    <message>
        <source>#</source>
        <translation>#</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>step {0}/{1} · ETA {2}</source>
        <translation>第 {0}/{1} 步 · 剩余 {2}</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <source>done in {0}</source>
        <translation>用时 {0} 完成</translation>
    </message>
    <message>
        <source> at step {0}/{1}</source>
        <translation>，于第 {0}/{1} 步</translation>
    </message>
    <message>
        <source>interrupted — retry to run it again</source>
        <translation>已中断——重试即可再次运行</translation>
    </message>
    <message>
        <source>State: {0}</source>
        <translation>状态：{0}</translation>
    </message>
    <message>
        <source>Queued: {0}</source>
        <translation>入队时间：{0}</translation>
    </message>
    <message>
        <source>Right-click → Details… for the technical details</source>
        <translation>右键 → 详情… 查看技术细节</translation>
    </message>
</context>
<context>
    <name>JobWatch</name>
    <message>
        <source>%v / %m · ETA {0}</source>
        <translation>%v / %m · 剩余 {0}</translation>
    </message>
    <message>
        <source>The engine is still starting; try again in a moment.</source>
        <translation>引擎仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Queued…</source>
        <translation>已加入队列…</translation>
    </message>
    <message>
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>LanguageNote</name>
    <message>
        <source>Small instruct models that read and write Chinese</source>
        <translation>能读写中文的小型指令模型</translation>
    </message>
    <message>
        <source>Chinese-capable models…</source>
        <translation>支持中文的模型…</translation>
    </message>
    <message>
        <source>Small instruct models that read and write Chinese: size, licence and whether they fit this machine&apos;s memory; downloaded only after you check and agree</source>
        <translation>能读写中文的小型指令模型：大小、许可证以及本机内存是否够用；只有在你检查并同意后才会下载</translation>
    </message>
    <message>
        <source>{0} was trained on English text: it reads and answers English; Chinese prompts get poor answers.</source>
        <translation>{0} 以英文文本训练：能读懂并用英文回答；中文提示词的回答质量较差。</translation>
    </message>
    <message>
        <source>Your prompt is in Chinese, but {0} reads English only: its answer will be poor. Use a model that reads Chinese:</source>
        <translation>你的提示词是中文，但 {0} 只能读懂英文：回答质量会很差。请使用能读懂中文的模型：</translation>
    </message>
</context>
<context>
    <name>LanguagePage</name>
    <message>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Takes effect when the studio restarts: on OK it offers to restart now.</source>
        <translation>重启工作室后生效：按“确定”后可选择立即重启。</translation>
    </message>
</context>
<context>
    <name>LoraPicker</name>
    <message>
        <source>&lt;lora:{0}:…&gt; in the prompt</source>
        <translation>提示词中的 &lt;lora:{0}:…&gt;</translation>
    </message>
    <message>
        <source>Weight of {0}: 1 is full strength, 0 is off</source>
        <translation>{0} 的权重：1 为全强度，0 为关闭</translation>
    </message>
    <message>
        <source>Remove {0} from the prompt</source>
        <translation>从提示词中移除 {0}</translation>
    </message>
    <message>
        <source>Add a LoRA… ({0} installed)</source>
        <translation>添加 LoRA…（已安装 {0} 个）</translation>
    </message>
    <message>
        <source>No LoRA installed (train one, or add .safetensors to models/loras)</source>
        <translation>未安装 LoRA（训练一个，或将 .safetensors 放入 models/loras）</translation>
    </message>
    <message>
        <source>{0} takes no LoRAs (only Stable Diffusion models do)</source>
        <translation>{0} 不支持 LoRA（只有 Stable Diffusion 模型支持）</translation>
    </message>
    <message>
        <source>Made for {0}; {1} is {2}</source>
        <translation>为 {0} 制作；{1} 是 {2}</translation>
    </message>
    <message>
        <source>Not installed: {0}</source>
        <translation>未安装：{0}</translation>
    </message>
</context>
<context>
    <name>LossPlot</name>
    <message>
        <source>Loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>对数刻度</translation>
    </message>
    <message>
        <source>Show the losses on a logarithmic axis (early and late steps both readable)</source>
        <translation>以对数坐标显示损失（前期和后期的步数都清晰可读）</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>Queue</source>
        <translation>队列</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史记录</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Scanning models: {0} files and folders so far ({1})</source>
        <translation>正在扫描模型：已扫描 {0} 个文件和文件夹（{1}）</translation>
    </message>
    <message>
        <source>Control</source>
        <translation>控制</translation>
    </message>
    <message>
        <source>&amp;Generate</source>
        <translation>生成(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Cancel running job</source>
        <translation>取消正在运行的任务(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;Open image / PNG parameters…</source>
        <translation>打开图片 / PNG 参数(&amp;O)…</translation>
    </message>
    <message>
        <source>&amp;Save image as…</source>
        <translation>图片另存为(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>&amp;Reset layout</source>
        <translation>重置布局(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Rescan model folders</source>
        <translation>重新扫描模型文件夹(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Model manager…</source>
        <translation>模型管理(&amp;M)…</translation>
    </message>
    <message>
        <source>&amp;Evaluate images or texts…</source>
        <translation>评估图片或文本(&amp;E)…</translation>
    </message>
    <message>
        <source>Comparison &amp;grid…</source>
        <translation>对比网格(&amp;G)…</translation>
    </message>
    <message>
        <source>&amp;Unload models (free memory)</source>
        <translation>卸载模型（释放内存）(&amp;U)</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <source>&amp;About {0}</source>
        <translation>关于 {0}(&amp;A)</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>&amp;Workspace</source>
        <translation>工作区(&amp;W)</translation>
    </message>
    <message>
        <source>&amp;Models</source>
        <translation>模型(&amp;M)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>The engine is still starting; try again in a moment.</source>
        <translation>引擎仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Queued {0} job(s)</source>
        <translation>已将 {0} 个任务加入队列</translation>
    </message>
    <message>
        <source>Content filter</source>
        <translation>内容过滤</translation>
    </message>
    <message>
        <source>{0}

Run this job anyway?</source>
        <translation>{0}

仍要运行此任务吗？</translation>
    </message>
    <message>
        <source>A very long job</source>
        <translation>耗时很长的任务</translation>
    </message>
    <message>
        <source>{0}

Queue it anyway?</source>
        <translation>{0}

仍要加入队列吗？</translation>
    </message>
    <message>
        <source>Job #{0} failed: {1}</source>
        <translation>任务 #{0} 失败：{1}</translation>
    </message>
    <message>
        <source>Job #{0} cancelled</source>
        <translation>任务 #{0} 已取消</translation>
    </message>
    <message>
        <source>Cannot open {0}</source>
        <translation>无法打开 {0}</translation>
    </message>
    <message>
        <source>Parameters loaded into the prompt editor</source>
        <translation>参数已载入提示词编辑器</translation>
    </message>
    <message>
        <source>The engine is still loading; try again in a moment.</source>
        <translation>引擎仍在加载，请稍后再试。</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Settings saved. The new language applies when the studio next starts.</source>
        <translation>设置已保存。新语言将在工作室下次启动时生效。</translation>
    </message>
    <message>
        <source>Settings saved</source>
        <translation>设置已保存</translation>
    </message>
    <message>
        <source>Restart to change the language</source>
        <translation>重启以切换语言</translation>
    </message>
    <message>
        <source>The new language applies when the studio starts again. Restart now? Queued jobs are kept and run after the restart.</source>
        <translation>新语言在工作室重新启动后生效。现在重启吗？队列中的任务会保留，重启后继续运行。</translation>
    </message>
    <message>
        <source>Restart now</source>
        <translation>立即重启</translation>
    </message>
    <message>
        <source>Later</source>
        <translation>稍后</translation>
    </message>
    <message>
        <source>Quit while training?</source>
        <translation>正在训练，确定退出？</translation>
    </message>
    <message>
        <source>“{0}” is training (step {1} of {2}). Quitting stops it now; its checkpoint is saved and Training → Resume continues from it.</source>
        <translation>“{0}”正在训练（第 {1}/{2} 步）。退出会立即停止训练；检查点会被保存，可通过 训练 → 继续 从此处接着训练。</translation>
    </message>
    <message>
        <source>Stop training and quit</source>
        <translation>停止训练并退出</translation>
    </message>
    <message>
        <source>&amp;Upscale</source>
        <translation>放大(&amp;U)</translation>
    </message>
    <message>
        <source>Faces</source>
        <translation>人脸</translation>
    </message>
    <message>
        <source>Guided</source>
        <translation>CLIP 引导</translation>
    </message>
</context>
<context>
    <name>MemorySpeedPage</name>
    <message>
        <source>Automatic (from free GPU memory and the model&apos;s size)</source>
        <translation>自动（根据可用显存和模型大小）</translation>
    </message>
    <message>
        <source>None: everything on the GPU (fastest)</source>
        <translation>无：全部放在 GPU 上（最快）</translation>
    </message>
    <message>
        <source>VAE tiling + slicing (large images)</source>
        <translation>VAE 分块 + 切片（大图）</translation>
    </message>
    <message>
        <source>Model offload to RAM (6–8 GB GPUs, a little slower)</source>
        <translation>模型卸载到内存（6–8 GB 显存，稍慢）</translation>
    </message>
    <message>
        <source>Sequential offload (least memory, much slower)</source>
        <translation>逐层卸载（最省显存，慢很多）</translation>
    </message>
    <message>
        <source>Memory mode</source>
        <translation>显存模式</translation>
    </message>
    <message>
        <source>Out of memory during an image: memory is freed and the image retried once in the next lower mode. A job or the CLI (--memory-mode) may choose its own.</source>
        <translation>生成图片时显存不足：会释放显存，并以低一档的模式重试一次。单个任务或命令行（--memory-mode）可以自行指定模式。</translation>
    </message>
    <message>
        <source>Off: SDPA attention only (the reference image)</source>
        <translation>关闭：仅用 SDPA 注意力（基准图像）</translation>
    </message>
    <message>
        <source>Channels-last layout (same image)</source>
        <translation>Channels-last 内存布局（图像相同）</translation>
    </message>
    <message>
        <source>Fused QKV projections (image differs slightly)</source>
        <translation>融合 QKV 投影（图像略有差异）</translation>
    </message>
    <message>
        <source>torch.compile (first image slow; compiled once per model and size)</source>
        <translation>torch.compile（第一张较慢；每个模型和尺寸编译一次）</translation>
    </message>
    <message>
        <source>Feature cache: deep UNet features reused between steps (faster, slightly different image)</source>
        <translation>特征缓存：在步骤之间复用 UNet 的深层特征（更快，图像略有不同）</translation>
    </message>
    <message>
        <source>int8 quantisation with torchao (CUDA GPUs only; less memory, slightly different image)</source>
        <translation>用 torchao 做 int8 量化（仅限 CUDA GPU；更省显存，图像略有不同）</translation>
    </message>
    <message>
        <source>Speed mode</source>
        <translation>加速模式</translation>
    </message>
    <message>
        <source>A mode this device or model cannot do is refused with the reason. The PNG records the modes used.</source>
        <translation>设备或模型不支持的模式会被拒绝并说明原因。PNG 会记录所用的模式。</translation>
    </message>
    <message>
        <source>PyTorch (the reference image)</source>
        <translation>PyTorch（参考图像）</translation>
    </message>
    <message>
        <source>CPU: OpenVINO, int8 weights (faster; slightly different image)</source>
        <translation>CPU：OpenVINO，int8 权重（更快；图像略有不同）</translation>
    </message>
    <message>
        <source>CPU: OpenVINO, float32 (the PyTorch image)</source>
        <translation>CPU：OpenVINO，float32（与 PyTorch 图像相同）</translation>
    </message>
    <message>
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <source>OpenVINO runs the UNet of SD 1.x/2.x and SDXL models on a CPU, exported once into the studio cache (optional install: requirements/openvino.txt). Where it cannot be used (not installed, a GPU, another family, LoRAs, ControlNet, canvas edits) the image is made with PyTorch and the job&apos;s log says why. The CLI: generate image --backend openvino.</source>
        <translation>OpenVINO 在 CPU 上运行 SD 1.x/2.x 和 SDXL 模型的 UNet，只导出一次，保存在工作室缓存中（可选安装：requirements/openvino.txt）。无法使用时（未安装、GPU、其他模型系列、LoRA、ControlNet、画布编辑），图像由 PyTorch 生成，任务日志会说明原因。命令行：generate image --backend openvino。</translation>
    </message>
    <message>
        <source>Fast decode: the tiny TAESD decoder makes the final image (lower quality, much faster on a CPU)</source>
        <translation>快速解码：由微型 TAESD 解码器生成最终图像（质量较低，在 CPU 上快得多）</translation>
    </message>
    <message>
        <source>Final decode</source>
        <translation>最终解码</translation>
    </message>
    <message>
        <source>Used when a TAESD / TAESDXL / TAESD3 / TAEF1 for the model&apos;s latent space is in the models folder (else the full VAE, with one line saying so). The PNG records it as VAE: taesd…; edits always use the full VAE. The CLI: generate image --fast-decode.</source>
        <translation>当模型文件夹中有与该模型潜空间对应的 TAESD / TAESDXL / TAESD3 / TAEF1 时使用（否则使用完整 VAE，并有一行说明）。PNG 中记录为 VAE: taesd…；编辑始终使用完整 VAE。命令行：generate image --fast-decode。</translation>
    </message>
    <message>
        <source>int8 weights for text models on the CPU (dynamic quantisation of their Linear layers; answers differ slightly)</source>
        <translation>CPU 上的文本模型使用 int8 权重（对其 Linear 层做动态量化；回答会略有不同）</translation>
    </message>
    <message>
        <source>Text on the CPU</source>
        <translation>CPU 上的文本模型</translation>
    </message>
    <message>
        <source>Measured on SmolLM2-135M (benchmarks/text_cpu.py): int8 writes {0}× the tokens per second of float32 in {1}× the memory ({2}× at the peak while it loads). Transformers models only (GGUF files are quantised already).</source>
        <translation>在 SmolLM2-135M 上实测（benchmarks/text_cpu.py）：int8 每秒生成的词元数是 float32 的 {0} 倍，内存为其 {1} 倍（加载时峰值为 {2} 倍）。仅适用于 transformers 模型（GGUF 文件本身已量化）。</translation>
    </message>
    <message>
        <source>Memory &amp; speed</source>
        <translation>显存与速度</translation>
    </message>
</context>
<context>
    <name>MessageWidget</name>
    <message>
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <source>System</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>The previous answer</source>
        <translation>上一个回答</translation>
    </message>
    <message>
        <source>The next answer</source>
        <translation>下一个回答</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copy this message to the clipboard</source>
        <translation>将此消息复制到剪贴板</translation>
    </message>
    <message>
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <source>Edit this message; the conversation continues from it (later messages are replaced)</source>
        <translation>编辑此消息；对话将从这里继续（之后的消息会被替换）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Save &amp;&amp; continue</source>
        <translation>保存并继续</translation>
    </message>
    <message>
        <source>Keep the edit: after your message the model answers again; after an answer it continues it</source>
        <translation>保留编辑：编辑你的消息后，模型会重新回答；编辑回答后，模型会接着写下去</translation>
    </message>
</context>
<context>
    <name>ModelManager</name>
    <message>
        <source>Model manager</source>
        <translation>模型管理</translation>
    </message>
    <message>
        <source>Download…</source>
        <translation>下载…</translation>
    </message>
    <message>
        <source>Download a model from the Hugging Face hub or a URL (you see the files and size first)</source>
        <translation>从 Hugging Face Hub 或网址下载模型（会先显示文件和大小）</translation>
    </message>
    <message>
        <source>Offline mode (no network connections)</source>
        <translation>离线模式（不建立网络连接）</translation>
    </message>
    <message>
        <source>Offline mode is on: the studio opens no network connection, so downloads are disabled. Untick “Offline mode” above to download from the Hugging Face hub.</source>
        <translation>离线模式已开启：工作室不会建立任何网络连接，因此下载不可用。取消勾选上方的“离线模式”即可从 Hugging Face Hub 下载。</translation>
    </message>
    <message>
        <source>Search name, type, family…</source>
        <translation>搜索名称、类型、系列…</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Upscale</source>
        <translation>放大</translation>
    </message>
    <message>
        <source>Add-ons</source>
        <translation>附加组件</translation>
    </message>
    <message>
        <source>CLIP</source>
        <translation>CLIP</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>有问题</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Family</source>
        <translation>系列</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>AutoV2</source>
        <translation>AutoV2</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>使用</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>导入…</translation>
    </message>
    <message>
        <source>Import folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <source>Hash</source>
        <translation>哈希</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <source>Move to trash</source>
        <translation>移到回收站</translation>
    </message>
    <message>
        <source>Show in folder</source>
        <translation>在文件夹中显示</translation>
    </message>
    <message>
        <source>Convert to safetensors</source>
        <translation>转换为 safetensors</translation>
    </message>
    <message>
        <source>Rescan</source>
        <translation>重新扫描</translation>
    </message>
    <message>
        <source>Loaded in memory:</source>
        <translation>已载入内存：</translation>
    </message>
    <message>
        <source>Unload all</source>
        <translation>全部卸载</translation>
    </message>
    <message>
        <source>&lt;i&gt;Select a model to see its details. Drop model files here to import them.&lt;/i&gt;</source>
        <translation>&lt;i&gt;选择一个模型查看详情。将模型文件拖到这里即可导入。&lt;/i&gt;</translation>
    </message>
    <message>
        <source>Metadata</source>
        <translation>元数据</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Can do</source>
        <translation>能做</translation>
    </message>
    <message>
        <source>Text encoders</source>
        <translation>文本编码器</translation>
    </message>
    <message>
        <source>{0} cannot be used: {1}</source>
        <translation>{0} 无法使用：{1}</translation>
    </message>
    <message>
        <source>Copy path</source>
        <translation>复制路径</translation>
    </message>
    <message>
        <source>Open this model where it is used (or double-click it)</source>
        <translation>在使用此模型的地方打开它（或双击）</translation>
    </message>
    <message>
        <source>Hashing {0}…</source>
        <translation>正在计算 {0} 的哈希…</translation>
    </message>
    <message>
        <source>SHA-256 {0} (AutoV2 {1})</source>
        <translation>SHA-256 {0}（AutoV2 {1}）</translation>
    </message>
    <message>
        <source>Hashing failed: {0}</source>
        <translation>哈希计算失败：{0}</translation>
    </message>
    <message>
        <source>Import models</source>
        <translation>导入模型</translation>
    </message>
    <message>
        <source>Models (*.safetensors *.gguf *.ckpt *.pt *.pth *.bin);;All files (*)</source>
        <translation>模型 (*.safetensors *.gguf *.ckpt *.pt *.pth *.bin);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Import a model folder</source>
        <translation>导入模型文件夹</translation>
    </message>
    <message>
        <source>Rename model</source>
        <translation>重命名模型</translation>
    </message>
    <message>
        <source>New name:</source>
        <translation>新名称：</translation>
    </message>
    <message>
        <source>Move {0} to the trash?</source>
        <translation>将 {0} 移到回收站？</translation>
    </message>
    <message>
        <source>The engines are not running: convert with `models convert`.</source>
        <translation>引擎未运行：请用 `models convert` 转换。</translation>
    </message>
    <message>
        <source>Converting {0} to safetensors…</source>
        <translation>正在将 {0} 转换为 safetensors…</translation>
    </message>
    <message>
        <source>Converted {0}.</source>
        <translation>已转换 {0}。</translation>
    </message>
    <message>
        <source>Conversion failed: {0}</source>
        <translation>转换失败：{0}</translation>
    </message>
    <message>
        <source>Conversion of {0} stopped.</source>
        <translation>{0} 的转换已停止。</translation>
    </message>
    <message>
        <source>Could not save the settings: {0}</source>
        <translation>无法保存设置：{0}</translation>
    </message>
    <message>
        <source>(nothing loaded)</source>
        <translation>（未加载任何模型）</translation>
    </message>
</context>
<context>
    <name>ModelUse</name>
    <message>
        <source>Use in Image</source>
        <translation>在图片中使用</translation>
    </message>
    <message>
        <source>Use in Faces</source>
        <translation>在人脸中使用</translation>
    </message>
    <message>
        <source>Use in Text</source>
        <translation>在文本中使用</translation>
    </message>
    <message>
        <source>Add to the prompt</source>
        <translation>添加到提示词</translation>
    </message>
    <message>
        <source>Use for upscaling</source>
        <translation>用于放大</translation>
    </message>
    <message>
        <source>Using {0}</source>
        <translation>正在使用 {0}</translation>
    </message>
</context>
<context>
    <name>ModelsPage</name>
    <message>
        <source>Model folders</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <source>Scanned for models besides {0}.</source>
        <translation>除 {0} 外还会扫描这些文件夹中的模型。</translation>
    </message>
    <message>
        <source>Use models in the Hugging Face cache (read in place, not copied)</source>
        <translation>使用 Hugging Face 缓存中的模型（就地读取，不复制）</translation>
    </message>
    <message>
        <source>Hugging Face</source>
        <translation>Hugging Face</translation>
    </message>
    <message>
        <source>Hugging Face cache</source>
        <translation>Hugging Face 缓存</translation>
    </message>
    <message>
        <source>Empty: $HF_HUB_CACHE, else ~/.cache/huggingface/hub.</source>
        <translation>留空：使用 $HF_HUB_CACHE，否则为 ~/.cache/huggingface/hub。</translation>
    </message>
    <message>
        <source>Default image model</source>
        <translation>默认图像模型</translation>
    </message>
    <message>
        <source>Default text model</source>
        <translation>默认文本模型</translation>
    </message>
    <message>
        <source>Automatic (the built-in model)</source>
        <translation>自动（内置模型）</translation>
    </message>
    <message>
        <source>Only models with a paired CLIP (Studio Fashion → Studio CLIP)</source>
        <translation>仅限有配套 CLIP 的模型（Studio Fashion → Studio CLIP）</translation>
    </message>
    <message>
        <source>None: never score</source>
        <translation>无：从不评分</translation>
    </message>
    <message>
        <source>CLIP for scores</source>
        <translation>评分用的 CLIP</translation>
    </message>
    <message>
        <source>Scores every generated image against its prompt (shown in the history).</source>
        <translation>为每张生成的图片按其提示词评分（显示在历史记录中）。</translation>
    </message>
    <message>
        <source>Models</source>
        <translation>模型</translation>
    </message>
</context>
<context>
    <name>PrivacyPage</name>
    <message>
        <source>Network guard</source>
        <translation>网络守卫</translation>
    </message>
    <message>
        <source>Since installation</source>
        <translation>安装以来</translation>
    </message>
    <message>
        <source>Since the studio started</source>
        <translation>本次启动以来</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Destination</source>
        <translation>目标</translation>
    </message>
    <message>
        <source>Tried by</source>
        <translation>发起者</translation>
    </message>
    <message>
        <source>Allowed for</source>
        <translation>放行原因</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Privacy</source>
        <translation>隐私</translation>
    </message>
    <message>
        <source>{0} made, {1} allowed (downloads, remote engine), {2} refused</source>
        <translation>已连接 {0} 次，放行 {1} 次（下载、远程引擎），拒绝 {2} 次</translation>
    </message>
    <message>
        <source>made</source>
        <translation>已连接</translation>
    </message>
    <message>
        <source>allowed</source>
        <translation>已放行</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>Offline mode is on: every outbound connection is refused, except consented downloads and the remote engine of Settings → Engine. Each attempt is recorded below.</source>
        <translation>离线模式已开启：除经您同意的下载和“设置 → 引擎”中的远程引擎外，所有对外连接都被拒绝。每次尝试都记录在下方。</translation>
    </message>
    <message>
        <source>Offline mode is off (Settings → General): connections are allowed, and each is recorded below.</source>
        <translation>离线模式已关闭（设置 → 常规）：允许连接，每次连接都记录在下方。</translation>
    </message>
    <message>
        <source>Audit log: {0} (also: main.py network log)</source>
        <translation>审计日志：{0}（也可用 main.py network log 查看）</translation>
    </message>
</context>
<context>
    <name>PromptAssist</name>
    <message>
        <source>Expand prompt</source>
        <translation>扩写提示词</translation>
    </message>
    <message>
        <source>A language model writes a detailed prompt from yours, into the box (Ctrl+Z undoes it) ({0})</source>
        <translation>由语言模型根据您的提示词写出更详细的提示词，填入输入框（Ctrl+Z 可撤销）（{0}）</translation>
    </message>
    <message>
        <source>{0} knows {1}, in English or Chinese:</source>
        <translation>{0} 认识 {1}，可用中文或英文：</translation>
    </message>
    <message>
        <source>{0} knows {1} (English prompts only):</source>
        <translation>{0} 认识 {1}（仅限英文提示词）：</translation>
    </message>
    <message>
        <source>Describe the garment… e.g. {0}</source>
        <translation>描述服饰…例如 {0}</translation>
    </message>
    <message>
        <source>Describe the image… e.g. a lighthouse at dusk, (oil painting:1.2)</source>
        <translation>描述画面…例如 a lighthouse at dusk, (oil painting:1.2)</translation>
    </message>
    <message>
        <source>Insert “{0}” ({1})</source>
        <translation>插入“{0}”（{1}）</translation>
    </message>
    <message>
        <source>Insert “{0}” ({1}; the model learnt it as “{2}”)</source>
        <translation>插入“{0}”（{1}；模型学的是“{2}”）</translation>
    </message>
    <message>
        <source>Stop expanding</source>
        <translation>停止扩写</translation>
    </message>
</context>
<context>
    <name>PromptEditor</name>
    <message>
        <source>Use a diffusers model folder from disk</source>
        <translation>使用磁盘上的 diffusers 模型文件夹</translation>
    </message>
    <message>
        <source>No image model installed — open the model manager</source>
        <translation>未安装图像模型——打开模型管理</translation>
    </message>
    <message>
        <source>Open model manager…</source>
        <translation>打开模型管理…</translation>
    </message>
    <message>
        <source>Looking for models…</source>
        <translation>正在查找模型…</translation>
    </message>
    <message>
        <source>Describe the image… e.g. a lighthouse at dusk, (oil painting:1.2)</source>
        <translation>描述画面…例如 a lighthouse at dusk, (oil painting:1.2)</translation>
    </message>
    <message>
        <source>What to avoid… e.g. blurry, [text]</source>
        <translation>不希望出现的内容…例如 blurry, [text]</translation>
    </message>
    <message>
        <source>Swap width and height</source>
        <translation>交换宽度和高度</translation>
    </message>
    <message>
        <source>CFG</source>
        <translation>CFG</translation>
    </message>
    <message>
        <source>Timestep spacing: where the steps fall (Turbo, Lightning and Hyper-SD models want trailing)</source>
        <translation>时间步间隔：各步落在何处（Turbo、Lightning 和 Hyper-SD 模型需要 trailing）</translation>
    </message>
    <message>
        <source>Upscale each new image after generating (the native image is kept beside it as *-native.png)</source>
        <translation>生成后放大每张新图片（原尺寸图片另存为旁边的 *-native.png）</translation>
    </message>
    <message>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <source>The seed of the last image (copy it, or lock it to make that image again)</source>
        <translation>上一张图片的种子（可复制，或锁定以再次生成该图片）</translation>
    </message>
    <message>
        <source>New random seed</source>
        <translation>新的随机种子</translation>
    </message>
    <message>
        <source>How many images to queue; each gets the next seed</source>
        <translation>要加入队列的图片数；每张依次使用下一个种子</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <source>LoRAs</source>
        <translation>LoRA</translation>
    </message>
    <message>
        <source>Negative</source>
        <translation>反向提示词</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Sampler</source>
        <translation>采样器</translation>
    </message>
    <message>
        <source>Upscale result</source>
        <translation>放大结果</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>批量</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>生成</translation>
    </message>
    <message>
        <source>Queue the image (Ctrl+Enter)</source>
        <translation>将图片加入队列（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel the running job (Esc)</source>
        <translation>取消正在运行的任务（Esc）</translation>
    </message>
    <message>
        <source>Using the settings {0} recommends.</source>
        <translation>使用 {0} 推荐的设置。</translation>
    </message>
    <message>
        <source>Using the usual settings for {0} models.</source>
        <translation>使用 {0} 模型的常用设置。</translation>
    </message>
    <message>
        <source>Not offered for this model: {0}</source>
        <translation>此模型不提供：{0}</translation>
    </message>
    <message>
        <source>This model draws without a prompt, at its own size (unconditional): only the seed, steps and sampler change its images</source>
        <translation>此模型无需提示词，以自身尺寸作画（无条件生成）：只有种子、步数和采样器会改变其图片</translation>
    </message>
    <message>
        <source>This model takes no negative prompt</source>
        <translation>此模型不使用反向提示词</translation>
    </message>
    <message>
        <source>This model&apos;s guidance is distilled into it: CFG changes nothing</source>
        <translation>此模型的引导已蒸馏进模型：CFG 不起作用</translation>
    </message>
    <message>
        <source>This model is flow-matching: it runs its own scheduler, which has no timestep spacing to choose</source>
        <translation>此模型为流匹配模型：它使用自带的调度器，没有可选的时间步间隔</translation>
    </message>
    <message>
        <source>Choose a diffusers model folder</source>
        <translation>选择 diffusers 模型文件夹</translation>
    </message>
    <message>
        <source>Seed locked: every Generate uses this seed (click to unlock)</source>
        <translation>种子已锁定：每次生成都使用此种子（点击解锁）</translation>
    </message>
    <message>
        <source>Seed unlocked: each Generate draws a new random seed; the field shows the last one used (click to lock it)</source>
        <translation>种子未锁定：每次生成都会抽取新的随机种子；此处显示上次使用的种子（点击锁定）</translation>
    </message>
</context>
<context>
    <name>PromptExpander</name>
    <message>
        <source>The engine is still starting; try again in a moment.</source>
        <translation>引擎仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Expanding the prompt with the default text model (job #{0})…</source>
        <translation>正在用默认文本模型扩写提示词（任务 #{0}）…</translation>
    </message>
    <message>
        <source>Prompt expanded (Ctrl+Z brings yours back).</source>
        <translation>提示词已扩写（Ctrl+Z 可恢复原文）。</translation>
    </message>
    <message>
        <source>Expanding the prompt failed: {0}</source>
        <translation>扩写提示词失败：{0}</translation>
    </message>
</context>
<context>
    <name>PromptHistoryDialog</name>
    <message>
        <source>Prompt history</source>
        <translation>提示词历史</translation>
    </message>
    <message>
        <source>Search prompts…</source>
        <translation>搜索提示词…</translation>
    </message>
    <message>
        <source>Use prompt</source>
        <translation>使用此提示词</translation>
    </message>
    <message>
        <source>No prompt matches.</source>
        <translation>没有匹配的提示词。</translation>
    </message>
    <message>
        <source>No prompts yet: every prompt you generate with is kept here.</source>
        <translation>还没有提示词：每个用来生成的提示词都会保存在这里。</translation>
    </message>
</context>
<context>
    <name>PromptTools</name>
    <message>
        <source>Prompt history…</source>
        <translation>提示词历史…</translation>
    </message>
    <message>
        <source>Alt+Up / Alt+Down: earlier prompts; Ctrl+Shift+H searches them</source>
        <translation>Alt+上 / Alt+下：之前的提示词；Ctrl+Shift+H 搜索</translation>
    </message>
</context>
<context>
    <name>QueueView</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Cancel the selected queued or running jobs</source>
        <translation>取消所选的排队中或运行中的任务</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <source>Queue the selected jobs again</source>
        <translation>将所选任务重新加入队列</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the selected finished jobs from the list (their images stay in the history)</source>
        <translation>从列表中移除所选的已结束任务（其图片仍保留在历史记录中）</translation>
    </message>
    <message>
        <source>Clear finished</source>
        <translation>清除已结束</translation>
    </message>
    <message>
        <source>Remove every done, failed, cancelled or interrupted job from the list</source>
        <translation>从列表中移除所有已完成、失败、已取消或已中断的任务</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Pause the queue: the running job finishes, queued jobs wait (also across restarts) until you resume</source>
        <translation>暂停队列：正在运行的任务会跑完，排队中的任务会一直等待（重启后依然如此），直到您继续</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Show output</source>
        <translation>查看输出</translation>
    </message>
    <message>
        <source>Run next</source>
        <translation>下一个运行</translation>
    </message>
    <message>
        <source>Move up (Ctrl+Up)</source>
        <translation>上移（Ctrl+Up）</translation>
    </message>
    <message>
        <source>Move down (Ctrl+Down)</source>
        <translation>下移（Ctrl+Down）</translation>
    </message>
    <message>
        <source>Details…</source>
        <translation>详情…</translation>
    </message>
    <message>
        <source>Copy error details</source>
        <translation>复制错误详情</translation>
    </message>
    <message>
        <source>Job #{0} failed</source>
        <translation>任务 #{0} 失败</translation>
    </message>
</context>
<context>
    <name>SamplePanel</name>
    <message>
        <source>Sample grids appear here while a model trains (same noise every time, so you can watch it improve).</source>
        <translation>模型训练时，样张网格会显示在这里（每次使用相同的噪声，便于观察进步）。</translation>
    </message>
    <message>
        <source>Look back at earlier samples</source>
        <translation>回看较早的样张</translation>
    </message>
    <message>
        <source>Step {0}</source>
        <translation>第 {0} 步</translation>
    </message>
</context>
<context>
    <name>SamplingControls</name>
    <message>
        <source>Randomness. 0 = always the likeliest token (greedy, same text every time); 0.7 is balanced; above 1 gets creative and then incoherent.</source>
        <translation>随机程度。0 = 总是选最可能的词元（贪心解码，每次文本相同）；0.7 较为均衡；超过 1 会更有创意，再高则语无伦次。</translation>
    </message>
    <message>
        <source>Sample only among the K likeliest tokens. 0 = no limit.</source>
        <translation>只在最可能的 K 个词元中采样。0 = 不限制。</translation>
    </message>
    <message>
        <source>Nucleus sampling: sample among the likeliest tokens whose probabilities add up to P. 1 = off.</source>
        <translation>核采样：在累计概率达到 P 的最可能词元中采样。1 = 关闭。</translation>
    </message>
    <message>
        <source>Drop tokens less likely than this fraction of the top token&apos;s probability (0.05–0.1 keeps high temperatures coherent). 0 = off.</source>
        <translation>舍弃概率低于最可能词元概率这一比例的词元（0.05–0.1 可让高温度下的文本保持连贯）。0 = 关闭。</translation>
    </message>
    <message>
        <source>Auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>Discourages repeating tokens already in the text. 1 = off. Auto: {0} when sampling, off at temperature 0 (greedy means greedy).</source>
        <translation>抑制重复文本中已出现的词元。1 = 关闭。自动：采样时为 {0}，温度为 0 时关闭（贪心就是贪心）。</translation>
    </message>
    <message>
        <source>The most tokens to generate (a token is about ¾ of a word). It is shortened automatically when the model&apos;s context would overflow.</source>
        <translation>最多生成的词元数（一个词元约为 ¾ 个英文单词，或约一个汉字）。若会超出模型的上下文长度，将自动缩短。</translation>
    </message>
    <message>
        <source>Same seed + same settings + same prompt = same text. Ignored at temperature 0.</source>
        <translation>相同的种子 + 相同的设置 + 相同的提示词 = 相同的文本。温度为 0 时忽略。</translation>
    </message>
    <message>
        <source>New each time</source>
        <translation>每次更换</translation>
    </message>
    <message>
        <source>Pick a new random seed for every answer.</source>
        <translation>每次回答都使用新的随机种子。</translation>
    </message>
    <message>
        <source>e.g. \n\n; THE END</source>
        <translation>例如 \n\n; 全文完</translation>
    </message>
    <message>
        <source>Generation stops before any of these texts. Separate several with &apos;;&apos;; write \n for a line break.</source>
        <translation>生成到这些文本之前即停止。多个之间用 &apos;;&apos; 分隔；换行写作 \n。</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <source>Min-p</source>
        <translation>Min-p</translation>
    </message>
    <message>
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>最大新词元数</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Stop at</source>
        <translation>停止于</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Show the default of every field (saved only when you press OK)</source>
        <translation>将每一项显示为默认值（按“确定”后才保存）</translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <source>Could not save the settings (nothing was changed): {0}</source>
        <translation>无法保存设置（未做任何更改）：{0}</translation>
    </message>
</context>
<context>
    <name>StudioStatusBar</name>
    <message>
        <source>Loading engine…</source>
        <translation>正在加载引擎…</translation>
    </message>
    <message>
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <source>Engine failed: {0}</source>
        <translation>引擎出错：{0}</translation>
    </message>
    <message>
        <source>Device: {0}</source>
        <translation>设备：{0}</translation>
    </message>
    <message>
        <source>Loading model…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Memory: {0}</source>
        <translation>内存：{0}</translation>
    </message>
    <message>
        <source>Loaded: {0}</source>
        <translation>已加载：{0}</translation>
    </message>
</context>
<context>
    <name>TemplateSettingsQuestion</name>
    <message>
        <source>Template settings</source>
        <translation>模板设置</translation>
    </message>
    <message>
        <source>The template “{0}” comes with its own settings. Use them?</source>
        <translation>模板“{0}”自带设置。要使用它们吗？</translation>
    </message>
    <message>
        <source>Use the template&apos;s</source>
        <translation>使用模板的设置</translation>
    </message>
    <message>
        <source>Keep mine</source>
        <translation>保留我的设置</translation>
    </message>
</context>
<context>
    <name>TemplatesDialog</name>
    <message>
        <source>Content templates</source>
        <translation>内容模板</translation>
    </message>
    <message>
        <source>Ask in chat</source>
        <translation>在对话中提问</translation>
    </message>
    <message>
        <source>Write in completion</source>
        <translation>在续写中撰写</translation>
    </message>
    <message>
        <source>New template…</source>
        <translation>新建模板…</translation>
    </message>
    <message>
        <source>Save your own template: a prompt with {field} placeholders</source>
        <translation>保存您自己的模板：带 {field} 占位符的提示词</translation>
    </message>
    <message>
        <source>{0} (mine)</source>
        <translation>{0}（我的）</translation>
    </message>
    <message>
        <source>New template</source>
        <translation>新建模板</translation>
    </message>
    <message>
        <source>Prompt, with {field} placeholders for what changes each time:</source>
        <translation>提示词，每次变化的内容用 {field} 占位符表示：</translation>
    </message>
    <message>
        <source>Write a {kind} about {topic}.</source>
        <translation>写一篇关于{topic}的{kind}。</translation>
    </message>
    <message>
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
</context>
<context>
    <name>TextModelsPage</name>
    <message>
        <source>auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source> tokens</source>
        <translation> 个词元</translation>
    </message>
    <message>
        <source>Context length (GGUF)</source>
        <translation>上下文长度（GGUF）</translation>
    </message>
    <message>
        <source>How much text a GGUF model reads at once (prompt, chat and answer). auto: the model&apos;s own, at most {0} tokens. Longer costs memory for every token; longer than the model was trained for is refused.</source>
        <translation>GGUF 模型一次读入的文本量（提示、对话与回答）。自动：使用模型自身的长度，最多 {0} 个词元。越长，每个词元占用的内存越多；超过模型训练长度的设置会被拒绝。</translation>
    </message>
    <message>
        <source>GPU offload layers (GGUF)</source>
        <translation>GPU 卸载层数（GGUF）</translation>
    </message>
    <message>
        <source>Layers of a GGUF model llama.cpp runs on the GPU. auto: all of them when the device is a GPU and llama.cpp was built with GPU support; 0: none (CPU only).</source>
        <translation>由 llama.cpp 放到 GPU 上运行的 GGUF 模型层数。自动：设备为 GPU 且 llama.cpp 编译时带 GPU 支持时全部卸载；0：不卸载（仅用 CPU）。</translation>
    </message>
    <message>
        <source>Text models</source>
        <translation>文本模型</translation>
    </message>
</context>
<context>
    <name>TextWorkspace</name>
    <message>
        <source>Conversations</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>System prompt (optional): how the assistant should behave</source>
        <translation>系统提示词（可选）：助手应如何表现</translation>
    </message>
    <message>
        <source>Type a message; Enter sends, Shift+Enter for a new line</source>
        <translation>输入消息；Enter 发送，Shift+Enter 换行</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>Stop the answer being written (what was written is kept)</source>
        <translation>停止正在生成的回答（已写出的内容会保留）</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <source>Write the last answer again (with a new seed unless it is fixed)</source>
        <translation>重新生成上一个回答（除非种子已固定，否则使用新种子）</translation>
    </message>
    <message>
        <source>Templates…</source>
        <translation>模板…</translation>
    </message>
    <message>
        <source>Marketing copy, product description, story, poem, ...</source>
        <translation>营销文案、商品描述、故事、诗歌……</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>对话</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>续写</translation>
    </message>
    <message>
        <source>The model continues the text at the cursor (Ctrl+Enter)</source>
        <translation>模型从光标处续写文本（Ctrl+Enter）</translation>
    </message>
    <message>
        <source>Completion</source>
        <translation>续写</translation>
    </message>
    <message>
        <source>Understand</source>
        <translation>理解</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>Any transformers causal-LM folder or GGUF file in your models folder</source>
        <translation>模型文件夹中的任意 transformers 因果语言模型文件夹或 GGUF 文件</translation>
    </message>
    <message>
        <source>Default (built-in SmolLM2-135M-Instruct)</source>
        <translation>默认（内置 SmolLM2-135M-Instruct）</translation>
    </message>
    <message>
        <source>– tokens/s</source>
        <translation>– 词元/秒</translation>
    </message>
    <message>
        <source>Tokens used by this conversation / the most the model can read</source>
        <translation>本对话已用词元数 / 模型最多可读取的词元数</translation>
    </message>
    <message>
        <source>Type a message first.</source>
        <translation>请先输入消息。</translation>
    </message>
    <message>
        <source>Wait for the answer to finish, or press Stop.</source>
        <translation>请等待回答结束，或按“停止”。</translation>
    </message>
    <message>
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <source>Write the beginning of the text first.</source>
        <translation>请先写下文本的开头。</translation>
    </message>
    <message>
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <source>Max new tokens</source>
        <translation>最大新词元数</translation>
    </message>
    <message>
        <source>System prompt</source>
        <translation>系统提示词</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <source>the template&apos;s settings</source>
        <translation>模板的设置</translation>
    </message>
    <message>
        <source>your settings</source>
        <translation>您的设置</translation>
    </message>
    <message>
        <source>Template “{0}” with {1}: {2}</source>
        <translation>模板“{0}”，使用{1}：{2}</translation>
    </message>
    <message>
        <source>The engine is still starting; try again in a moment.</source>
        <translation>引擎仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Queued… the model loads on first use.</source>
        <translation>已加入队列…模型会在首次使用时加载。</translation>
    </message>
    <message>
        <source>Writing…</source>
        <translation>正在写…</translation>
    </message>
    <message>
        <source>Loading the model / reading the prompt… ({0}/{1})</source>
        <translation>正在加载模型 / 读取提示词…（{0}/{1}）</translation>
    </message>
    <message>
        <source>{0:.1f} tokens/s</source>
        <translation>{0:.1f} 词元/秒</translation>
    </message>
    <message>
        <source>Run by {0}</source>
        <translation>由 {0} 运行</translation>
    </message>
    <message>
        <source>(stopped: it was repeating itself)</source>
        <translation>（已停止：回答在不断重复）</translation>
    </message>
    <message>
        <source>Stopped at the token limit.</source>
        <translation>已达到词元上限，停止。</translation>
    </message>
    <message>
        <source>Stopped at a stop text.</source>
        <translation>遇到停止文本，停止。</translation>
    </message>
    <message>
        <source>The answer began repeating itself and was stopped.</source>
        <translation>回答开始不断重复，已被停止。</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>(stopped)</source>
        <translation>（已停止）</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>Context: known after the first answer</source>
        <translation>上下文：首次回答后可知</translation>
    </message>
    <message>
        <source>%v / %m tokens of context</source>
        <translation>上下文 %v / %m 词元</translation>
    </message>
    <message>
        <source>This conversation uses {0} of the model&apos;s {1} tokens of context: the oldest messages will be left out of the next answers. Start a new chat to keep everything in view.</source>
        <translation>本对话已使用模型 {1} 词元上下文中的 {0} 个：之后的回答将不再看到最早的消息。开始新对话可让模型看到全部内容。</translation>
    </message>
    <message>
        <source>Delete conversation</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <source>Delete “{0}”?</source>
        <translation>删除“{0}”？</translation>
    </message>
</context>
<context>
    <name>TrainingForm</name>
    <message>
        <source>What to train</source>
        <translation>训练内容</translation>
    </message>
    <message>
        <source>The kind of model to train</source>
        <translation>要训练的模型类型</translation>
    </message>
    <message>
        <source>Family</source>
        <translation>系列</translation>
    </message>
    <message>
        <source>A bundled dataset, or your own folder of images (captions in same-name .txt files)</source>
        <translation>内置数据集，或您自己的图片文件夹（描述放在同名 .txt 文件中）</translation>
    </message>
    <message>
        <source>Choose a folder of images (or a text file for a language-model LoRA)</source>
        <translation>选择图片文件夹（语言模型 LoRA 则选择文本文件）</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Random horizontal flips</source>
        <translation>随机水平翻转</translation>
    </message>
    <message>
        <source>Also train on mirrored images (doubles a small folder; avoid for text or asymmetric subjects)</source>
        <translation>同时用镜像图片训练（让小数据集翻倍；含文字或不对称的主体请勿使用）</translation>
    </message>
    <message>
        <source>Preview dataset</source>
        <translation>预览数据集</translation>
    </message>
    <message>
        <source>Show a grid of the dataset&apos;s images before training</source>
        <translation>训练前以网格显示数据集的图片</translation>
    </message>
    <message>
        <source>Make a dataset with a model…</source>
        <translation>用模型生成数据集…</translation>
    </message>
    <message>
        <source>Data augmentation: generate captioned images with a model you have into a new dataset folder, then train on it</source>
        <translation>数据增强：用已有模型生成带描述的图片，存入新的数据集文件夹，再用它训练</translation>
    </message>
    <message>
        <source>Base model</source>
        <translation>基础模型</translation>
    </message>
    <message>
        <source>The model the LoRA adapts (a name from the model list or a folder)</source>
        <translation>LoRA 所适配的模型（模型列表中的名称或文件夹）</translation>
    </message>
    <message>
        <source>A GGUF base is trained on a de-quantised float32 copy, made once (about 4 to 8 times the file&apos;s size, in memory and on disk). Generating with the GGUF itself runs it natively with llama.cpp.</source>
        <translation>以 GGUF 为基础模型训练时，会先生成一份反量化的 float32 副本（只做一次，内存和磁盘占用约为文件大小的 4 到 8 倍）。直接用 GGUF 生成文本时，则由 llama.cpp 原生运行。</translation>
    </message>
    <message>
        <source>e.g. my-fashion-gan</source>
        <translation>例如 my-fashion-gan</translation>
    </message>
    <message>
        <source>Name of the trained model in your models folder; checkpoints go to the training folder under the same name</source>
        <translation>训练出的模型在模型文件夹中的名称；检查点以同名保存在训练文件夹中</translation>
    </message>
    <message>
        <source>Output name</source>
        <translation>输出名称</translation>
    </message>
    <message>
        <source>Hyper-parameters</source>
        <translation>超参数</translation>
    </message>
    <message>
        <source>Optimisation steps in total (one batch each)</source>
        <translation>优化总步数（每步一个批次）</translation>
    </message>
    <message>
        <source>Images per step: larger is smoother and uses more memory</source>
        <translation>每步的图片数：越大越平稳，占用内存也越多</translation>
    </message>
    <message>
        <source>Learning rate: how far each step moves the weights; too high diverges</source>
        <translation>学习率：每一步调整权重的幅度；太高会发散</translation>
    </message>
    <message>
        <source>Training resolution in pixels (images are centre-cropped and resized)</source>
        <translation>训练分辨率（像素；图片会居中裁剪并缩放）</translation>
    </message>
    <message>
        <source>Seed for initial weights, batches and the fixed sample noise: the same seed repeats a run exactly</source>
        <translation>用于初始权重、批次和固定样张噪声的种子：相同的种子可完全复现一次训练</translation>
    </message>
    <message>
        <source>Show a sample grid every N steps (0: never)</source>
        <translation>每 N 步显示一次样张网格（0：从不）</translation>
    </message>
    <message>
        <source>Save a checkpoint every N steps (0: only at the end or on cancel); Resume continues from it</source>
        <translation>每 N 步保存一次检查点（0：只在结束或取消时保存）；“继续”会从检查点接着训练</translation>
    </message>
    <message>
        <source>Average the losses over N steps for each point of the plot</source>
        <translation>图表上每个点取 N 步损失的平均值</translation>
    </message>
    <message>
        <source>Every N steps, measure FID and KID (CLIP features) of the samples against the training data and plot them beside the loss (0: never; needs a CLIP model)</source>
        <translation>每 N 步用 CLIP 特征计算样张相对训练数据的 FID 和 KID，并与损失画在一起（0：从不；需要 CLIP 模型）</translation>
    </message>
    <message>
        <source>Steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>Resolution</source>
        <translation>分辨率</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>种子</translation>
    </message>
    <message>
        <source>Samples every</source>
        <translation>样张间隔</translation>
    </message>
    <message>
        <source>Checkpoint every</source>
        <translation>检查点间隔</translation>
    </message>
    <message>
        <source>Plot every</source>
        <translation>绘图间隔</translation>
    </message>
    <message>
        <source>FID/KID every</source>
        <translation>FID/KID 间隔</translation>
    </message>
    <message>
        <source>Family options</source>
        <translation>类型选项</translation>
    </message>
    <message>
        <source>Advanced: more trainer options as JSON (they override the fields above)</source>
        <translation>高级：以 JSON 给出更多训练器选项（会覆盖上面各项）</translation>
    </message>
    <message>
        <source>Extra (JSON)</source>
        <translation>附加选项（JSON）</translation>
    </message>
    <message>
        <source>Choose a folder…</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <source>Choose a file…</source>
        <translation>选择文件…</translation>
    </message>
    <message>
        <source>Training text</source>
        <translation>训练文本</translation>
    </message>
    <message>
        <source>Text, JSONL or CSV (*.txt *.jsonl *.json *.csv *.tsv)</source>
        <translation>文本、JSONL 或 CSV (*.txt *.jsonl *.json *.csv *.tsv)</translation>
    </message>
    <message>
        <source>Folder of training images</source>
        <translation>训练图片文件夹</translation>
    </message>
</context>
<context>
    <name>TrainingWorkspace</name>
    <message>
        <source>Start training</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <source>Queue this training job (it runs after the jobs before it)</source>
        <translation>将此训练任务加入队列（在前面的任务之后运行）</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Continue from the last checkpoint of this output name, with the same optimizer state and step count</source>
        <translation>从此输出名称的最近一个检查点继续，沿用相同的优化器状态和步数</translation>
    </message>
    <message>
        <source>No training job yet.</source>
        <translation>还没有训练任务。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop after the current step; a checkpoint is saved so Resume can continue later</source>
        <translation>当前步结束后停止；会保存检查点，之后可用“继续”接着训练</translation>
    </message>
    <message>
        <source>step %v / %m</source>
        <translation>第 %v / %m 步</translation>
    </message>
    <message>
        <source>steps/s</source>
        <translation>步/秒</translation>
    </message>
    <message>
        <source>Training speed (optimisation steps per second)</source>
        <translation>训练速度（每秒优化步数）</translation>
    </message>
    <message>
        <source>ETA</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <source>Estimated time until the last step</source>
        <translation>预计到最后一步所需的时间</translation>
    </message>
    <message>
        <source>Samples</source>
        <translation>样张</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>数据集</translation>
    </message>
    <message>
        <source>Messages from the trainer (checkpoints, skipped files) appear here.</source>
        <translation>训练器的消息（检查点、跳过的文件）会显示在这里。</translation>
    </message>
    <message>
        <source>#{0} done: “{1}” is in your models folder.</source>
        <translation>#{0} 已完成：“{1}”已在您的模型文件夹中。</translation>
    </message>
    <message>
        <source>There is no checkpoint for “{0}” yet.</source>
        <translation>“{0}”还没有检查点。</translation>
    </message>
    <message>
        <source>The engine is still starting; try again in a moment.</source>
        <translation>引擎仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Queued training job #{0}; it starts when #{1} has finished.</source>
        <translation>已将训练任务 #{0} 加入队列；将在 #{1} 完成后开始。</translation>
    </message>
    <message>
        <source>Queued training job #{0}.</source>
        <translation>已将训练任务 #{0} 加入队列。</translation>
    </message>
    <message>
        <source>A model named “{0}” is already in your models folder and was not made by the studio&apos;s trainer; choose another name.</source>
        <translation>您的模型文件夹中已有名为“{0}”的模型，且不是由工作室的训练器生成的；请换个名称。</translation>
    </message>
    <message>
        <source>Replace model</source>
        <translation>替换模型</translation>
    </message>
    <message>
        <source>A model named “{0}” already exists. Replace it with the model this training makes?
(When the training finishes; the current one goes to the trash.)</source>
        <translation>已存在名为“{0}”的模型。要用本次训练生成的模型替换它吗？
（训练结束时替换；当前模型会移到回收站。）</translation>
    </message>
    <message>
        <source>Not queued: choose another name to keep “{0}”.</source>
        <translation>未加入队列：请换个名称以保留“{0}”。</translation>
    </message>
    <message>
        <source>Cancelling… (saving a checkpoint)</source>
        <translation>正在取消…（正在保存检查点）</translation>
    </message>
    <message>
        <source>Dataset ready: {0}</source>
        <translation>数据集已就绪：{0}</translation>
    </message>
    <message>
        <source>#{0} {1}: waiting in the queue</source>
        <translation>#{0} {1}：在队列中等待</translation>
    </message>
    <message>
        <source>#{0} {1}: training</source>
        <translation>#{0} {1}：训练中</translation>
    </message>
    <message>
        <source>#{0} was interrupted (the studio closed); Resume continues from step {1}.</source>
        <translation>#{0} 已中断（工作室已关闭）；“继续”将从第 {1} 步接着训练。</translation>
    </message>
    <message>
        <source>#{0} was interrupted (the studio closed) before its first checkpoint.</source>
        <translation>#{0} 在第一个检查点之前已中断（工作室已关闭）。</translation>
    </message>
    <message>
        <source>#{0} done: “{1}” is saved in {2} and ready to use.</source>
        <translation>#{0} 已完成：“{1}”已保存在 {2}，可以使用了。</translation>
    </message>
    <message>
        <source>#{0} failed: {1}</source>
        <translation>#{0} 失败：{1}</translation>
    </message>
    <message>
        <source>#{0} cancelled before it started.</source>
        <translation>#{0} 在开始前已取消。</translation>
    </message>
    <message>
        <source>#{0} cancelled at step {1}; the checkpoint is kept: Resume continues from it.</source>
        <translation>#{0} 于第 {1} 步取消；检查点已保留：“继续”会从这里接着训练。</translation>
    </message>
    <message>
        <source>#{0} cancelled before the first step.</source>
        <translation>#{0} 在第一步之前已取消。</translation>
    </message>
    <message>
        <source>Resume from step {0}</source>
        <translation>从第 {0} 步继续</translation>
    </message>
    <message>
        <source>“{0}” has a checkpoint at step {1}: Resume continues it; Start trains again from scratch and replaces it.</source>
        <translation>“{0}”在第 {1} 步有检查点：“继续”会接着训练；“开始训练”会从头重新训练并替换它。</translation>
    </message>
</context>
<context>
    <name>UnderstandPanel</name>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>A masked-language model (Training ▸ mlm) fills [MASK]; a text classifier (Training ▸ classifier) labels texts</source>
        <translation>掩码语言模型（训练 ▸ mlm）填补 [MASK]；文本分类器（训练 ▸ classifier）为文本打标签</translation>
    </message>
    <message>
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <source>How many tokens to show per [MASK]</source>
        <translation>每个 [MASK] 显示多少个候选词元</translation>
    </message>
    <message>
        <source>Paris is the [MASK] of France.   — or, for a classifier, one text per line</source>
        <translation>北京是中国的[MASK]都。   ——分类器则每行一段文本</translation>
    </message>
    <message>
        <source>Classify a file…</source>
        <translation>对文件分类…</translation>
    </message>
    <message>
        <source>A CSV/JSONL with a text column: writes a new CSV with a prediction and one probability column per label</source>
        <translation>含文本列的 CSV/JSONL：写出一个新的 CSV，包含预测结果以及每个标签的概率列</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Fill mask</source>
        <translation>填补 [MASK]</translation>
    </message>
    <message>
        <source>Classify</source>
        <translation>分类</translation>
    </message>
    <message>
        <source>No masked-language model or classifier yet: train one in Training (families mlm and classifier).</source>
        <translation>还没有掩码语言模型或分类器：请在“训练”中训练一个（类型 mlm 和 classifier）。</translation>
    </message>
    <message>
        <source>Texts to classify</source>
        <translation>要分类的文本</translation>
    </message>
    <message>
        <source>CSV or JSONL (*.csv *.tsv *.jsonl)</source>
        <translation>CSV 或 JSONL (*.csv *.tsv *.jsonl)</translation>
    </message>
    <message>
        <source>Save the predictions as</source>
        <translation>预测结果另存为</translation>
    </message>
    <message>
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <source>The engine is still starting; try again in a moment.</source>
        <translation>引擎仍在启动，请稍后再试。</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>Queued… the model loads on first use.</source>
        <translation>已加入队列…模型会在首次使用时加载。</translation>
    </message>
    <message>
        <source>[MASK]</source>
        <translation>[MASK]</translation>
    </message>
    <message>
        <source>Token</source>
        <translation>词元</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>概率</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Rows</source>
        <translation>行数</translation>
    </message>
    <message>
        <source>{0} rows classified: {1}</source>
        <translation>已分类 {0} 行：{1}</translation>
    </message>
</context>
<context>
    <name>UpscaleTools</name>
    <message>
        <source>&amp;Upscale the image on the canvas</source>
        <translation>放大画布上的图片(&amp;U)</translation>
    </message>
    <message>
        <source>Upscale &amp;every new image</source>
        <translation>放大每张新图片(&amp;E)</translation>
    </message>
    <message>
        <source>The same setting as “Upscale result” in the prompt panel</source>
        <translation>与提示词面板中的“放大结果”是同一设置</translation>
    </message>
    <message>
        <source>Automatic (x4plus on a GPU, animevideov3 x4 on the CPU)</source>
        <translation>自动（GPU 上用 x4plus，CPU 上用 animevideov3 x4）</translation>
    </message>
    <message>
        <source>Upscaling with {0}…</source>
        <translation>正在用 {0} 放大…</translation>
    </message>
    <message>
        <source>the automatic choice</source>
        <translation>自动选择的模型</translation>
    </message>
    <message>
        <source>Nothing to upscale: show a finished image on the canvas first (generate or open one).</source>
        <translation>没有可放大的图片：请先在画布上显示一张完成的图片（生成或打开一张）。</translation>
    </message>
</context>
<context>
    <name>VaeTools</name>
    <message>
        <source>Your images (VAE)</source>
        <translation>您的图片（VAE）</translation>
    </message>
    <message>
        <source>Reconstruct an image…</source>
        <translation>重建图片…</translation>
    </message>
    <message>
        <source>Encode an image with this VAE and show it beside its reconstruction; its latent code is saved as JSON</source>
        <translation>用此 VAE 编码一张图片，并与其重建结果并排显示；潜变量编码保存为 JSON</translation>
    </message>
    <message>
        <source>Interpolate two images…</source>
        <translation>在两张图片间插值…</translation>
    </message>
    <message>
        <source>Morph from one image to another through the VAE&apos;s latent space (strip and GIF; Frames sets the length)</source>
        <translation>经由 VAE 的潜空间从一张图片渐变到另一张（条带图和 GIF；“帧数”决定长度）</translation>
    </message>
    <message>
        <source>Image to reconstruct</source>
        <translation>要重建的图片</translation>
    </message>
    <message>
        <source>Choose two images</source>
        <translation>选择两张图片</translation>
    </message>
</context>
<context>
    <name>VersionStrip</name>
    <message>
        <source>Versions of the edited image: click one to go back to it (undoable)</source>
        <translation>编辑中图片的各个版本：点击某个版本即可回到它（可撤销）</translation>
    </message>
</context>
</TS>
