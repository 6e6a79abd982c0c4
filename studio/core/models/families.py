"""The capability table: model types, image families and what each can do, in one place (pure Python).

The model manager, the prompt editor, the canvas buttons, the LoRA picker, the training form, the CLI and
the engines ask here. Adding an image family is one :class:`Family` entry in ``FAMILIES`` plus its
offline diffusers config folder in ``resources/configs/<config>`` (for single files).

Latent→RGB preview factors are the published ComfyUI ones for each latent space (``latent_formats.py``).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from studio.core.i18n import N_, _


class ModelType(str, Enum):
    """What a model's files are (``ModelEntry.type``); the value is the string the registry stores."""

    DIFFUSERS = "diffusers"
    SINGLE_FILE = "sd_single_file"
    """An image checkpoint in one file (SD/SDXL all-in-one, or a Flux/SD3/… transformer, GGUF included)."""
    STUDIO_PIPELINE = "studio_pipeline"
    STUDIO_DDPM = "studio_ddpm"
    GAN = "gan"
    STUDIO_VAE = "studio_vae"
    CAUSAL_LM = "causal_lm"
    GGUF = "gguf"
    TEXT_LORA = "text_lora"
    UPSCALER = "upscaler"
    LORA = "lora"
    TEXTUAL_INVERSION = "textual_inversion"
    VAE = "vae"
    TAESD = "taesd"
    CLIP = "clip"
    TEXT_ENCODER = "text_encoder"
    """A family's text encoder alone in one file (clip_l, t5xxl, qwen_3_4b…); its family is the kind."""
    MASKED_LM = "masked_lm"
    TEXT_CLASSIFIER = "text_classifier"
    CAPTIONER = "captioner"
    """An image-to-text model (BLIP, GIT, Florence-2) that captions images for "Describe this image"."""
    CONTROLNET = "controlnet"
    IP_ADAPTER = "ip_adapter"
    DEPTH_ESTIMATOR = "depth_estimator"
    """A transformers depth-estimation model (the ControlNet depth preprocessor)."""
    UNKNOWN = "unknown"


DIFFUSION_TYPES: tuple[str, ...] = (ModelType.DIFFUSERS.value, ModelType.SINGLE_FILE.value,
                                    ModelType.STUDIO_PIPELINE.value, ModelType.STUDIO_DDPM.value)
"""Model types the diffusion engine runs from a prompt (GANs and VAEs have their own tools)."""
PIXEL_TYPES: tuple[str, ...] = (ModelType.STUDIO_PIPELINE.value, ModelType.STUDIO_DDPM.value)
"""The studio's own pixel-space models: they edit by SDEdit / RePaint-style re-imposition."""
PIPELINE_TYPES: tuple[str, ...] = (ModelType.DIFFUSERS.value, ModelType.SINGLE_FILE.value)
"""Model types built as diffusers pipelines of a :class:`Family` (LoRAs, training bases, families)."""


@dataclass(frozen=True)
class TextEncoder:
    """A text encoder a family needs: the pipeline component, what it is, and where people get it."""

    component: str
    kind: str
    """What it is, as people call it ("CLIP-L", "T5-XXL", "Qwen3")."""
    files: tuple[str, ...] = ()
    """Common single-file names (ComfyUI's text_encoders folder)."""
    source: str = ""
    """Hugging Face repo holding the single file (named in 'what to install' lines)."""
    tokenizer_repo: str = ""
    """Hugging Face repo whose tokenizer files it uses ("" = the studio's own CLIP tokenizer)."""

    @property
    def base(self) -> str:
        """The architecture without its size ("CLIP-L" → "CLIP", "T5-XXL" → "T5"): what a file must be."""
        return self.kind.split("-")[0] if self.kind.startswith(("CLIP", "T5")) else self.kind


@dataclass(frozen=True)
class Family:
    """One image family and what it can do."""

    key: str
    label: str
    pipeline: str = ""
    """diffusers text-to-image pipeline class ("" = whatever ``model_index.json`` names)."""
    img2img: str = ""
    """diffusers img2img class derived with ``from_pipe`` ("" = cannot; "auto" = AutoPipeline's choice)."""
    inpaint: str = ""
    denoiser: str = "unet"
    """The denoiser component: "unet" or "transformer"."""
    transformer: str = ""
    """diffusers transformer class (single files and GGUF files of the transformer alone)."""
    lora: bool = False
    train_base: bool = False
    clip_score: bool = True
    previews: bool = True
    prompt_weights: bool = False
    """A1111 prompt weights and >75-token prompts (CLIP-only families)."""
    negative_prompt: bool = True
    guidance: bool = True
    """Whether the CFG field changes anything (SANA-Sprint, schnell: distilled, it is ignored)."""
    cfg_arg: str = "guidance_scale"
    """The pipeline argument the prompt editor's CFG goes into (Qwen-Image: ``true_cfg_scale``)."""
    flow: bool = False
    """Flow-matching model: runs its own scheduler (the SD samplers do not apply)."""
    text_encoders: tuple[TextEncoder, ...] = ()
    latent_channels: int = 4
    vae_factor: int = 8
    latent_patch: int = 1
    """Pipelines that pack latents into a sequence of p×p patches (Flux: 2) during the steps."""
    latent_rgb: tuple[tuple[float, float, float], ...] = ()
    latent_rgb_bias: tuple[float, float, float] = (0.0, 0.0, 0.0)
    steps: int = 20
    cfg: float = 7.0
    size: int = 512
    config: str = ""
    """Offline diffusers config folder in resources/configs/ for single files ("" = none)."""
    gguf_archs: tuple[str, ...] = ()
    """``general.architecture`` values of GGUF files holding this family's transformer."""
    repo: str = ""
    """Where people download the full model (named in 'what to install' messages)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Fixed pipeline arguments (SANA-Sprint's max timesteps…)."""
    vae_files: tuple[str, ...] = ()
    """Common single-file names of its VAE (an ``AutoencoderKL``: ``ae.safetensors``) and the repo publishing it."""
    vae_repo: str = ""
    controlnet: str = ""
    """ControlNet group: families with the same group share ControlNets and IP-Adapters ("" = the studio
    runs none for this family; see ``studio.core.specs.control``)."""
    controlnet_class: str = "ControlNetModel"
    """diffusers class of the family's ControlNets."""
    controlnet_pipelines: tuple[tuple[str, str], ...] = ()
    """(operation, diffusers ControlNet pipeline) of a transformer family, for the operations diffusers has
    (empty: the UNet families, whose ControlNet pipelines AutoPipeline derives for every operation)."""
    ip_adapter: bool = False
    """IP-Adapter image prompts (the UNet families)."""

    def control_ops(self) -> tuple[str, ...]:
        """The operations ("txt2img", "img2img", "inpaint") a ControlNet can guide for this family."""
        if not self.controlnet:
            return ()
        return tuple(op for op, _cls in self.controlnet_pipelines) if self.controlnet_pipelines else (
            "txt2img", "img2img", "inpaint")

    def controlnet_pipeline(self, op: str) -> str:
        """The diffusers ControlNet pipeline of ``op`` ("" when AutoPipeline derives it or none exists)."""
        return dict(self.controlnet_pipelines).get(op, "")


_SD_RGB = ((0.3512, 0.2297, 0.3227), (0.3250, 0.4974, 0.2350), (-0.2829, 0.1762, 0.2721), (-0.2120, -0.2616, -0.7177))
_SDXL_RGB = ((0.3651, 0.4232, 0.4341), (-0.2533, -0.0042, 0.1068), (0.1076, 0.1111, -0.0362),
             (-0.3165, -0.2492, -0.2188))
_SD3_RGB = ((-0.0922, -0.0175, 0.0749), (0.0311, 0.0633, 0.0954), (0.1994, 0.0927, 0.0458),
            (0.0856, 0.0339, 0.0902), (0.0587, 0.0272, -0.0496), (-0.0006, 0.1104, 0.0309),
            (0.0978, 0.0306, 0.0427), (-0.0042, 0.1038, 0.1358), (-0.0194, 0.0020, 0.0669),
            (-0.0488, 0.0130, -0.0268), (0.0922, 0.0988, 0.0951), (-0.0278, 0.0524, -0.0542),
            (0.0332, 0.0456, 0.0895), (-0.0069, -0.0030, -0.0810), (-0.0596, -0.0465, -0.0293),
            (-0.1448, -0.1463, -0.1189))
_FLUX_RGB = ((-0.0346, 0.0244, 0.0681), (0.0034, 0.0210, 0.0687), (0.0275, -0.0668, -0.0433),
             (-0.0174, 0.0160, 0.0617), (0.0859, 0.0721, 0.0329), (0.0004, 0.0383, 0.0115),
             (0.0405, 0.0861, 0.0915), (-0.0236, -0.0185, -0.0259), (-0.0245, 0.0250, 0.1180),
             (0.1008, 0.0755, -0.0421), (-0.0515, 0.0201, 0.0011), (0.0428, -0.0012, -0.0036),
             (0.0817, 0.0765, 0.0749), (-0.1264, -0.0522, -0.1103), (-0.0280, -0.0881, -0.0499),
             (-0.1262, -0.0982, -0.0778))
_FLUX_BIAS = (-0.0329, -0.0718, -0.0851)
_WAN_RGB = ((-0.1299, -0.1692, 0.2932), (0.0671, 0.0406, 0.0442), (0.3568, 0.2548, 0.1747),
            (0.0372, 0.2344, 0.1420), (0.0313, 0.0189, -0.0328), (0.0296, -0.0956, -0.0665),
            (-0.3477, -0.4059, -0.2925), (0.0166, 0.1902, 0.1975), (-0.0412, 0.0267, -0.1364),
            (-0.1293, 0.0740, 0.1636), (0.0680, 0.3019, 0.1128), (0.0032, 0.0581, 0.0639),
            (-0.1251, 0.0927, 0.1699), (0.0060, -0.0633, 0.0005), (0.3477, 0.2275, 0.2950),
            (0.1984, 0.0913, 0.1861))
_FLUX2_RGB = ((0.0058, 0.0113, 0.0073), (0.0495, 0.0443, 0.0836), (-0.0099, 0.0096, 0.0644),
              (0.2144, 0.3009, 0.3652), (0.0166, -0.0039, -0.0054), (0.0157, 0.0103, -0.0160),
              (-0.0398, 0.0902, -0.0235), (-0.0052, 0.0095, 0.0109), (-0.3527, -0.2712, -0.1666),
              (-0.0301, -0.0356, -0.0180), (-0.0107, 0.0078, 0.0013), (0.0746, 0.0090, -0.0941),
              (0.0156, 0.0169, 0.0070), (-0.0034, -0.0040, -0.0114), (0.0032, 0.0181, 0.0080),
              (-0.0939, -0.0008, 0.0186), (0.0018, 0.0043, 0.0104), (0.0284, 0.0056, -0.0127),
              (-0.0024, -0.0022, -0.0030), (0.1207, -0.0026, 0.0065), (0.0128, 0.0101, 0.0142),
              (0.0137, -0.0072, -0.0007), (0.0095, 0.0092, -0.0059), (0.0000, -0.0077, -0.0049),
              (-0.0465, -0.0204, -0.0312), (0.0095, 0.0012, -0.0066), (0.0290, -0.0034, 0.0025),
              (0.0220, 0.0169, -0.0048), (-0.0332, -0.0457, -0.0468), (-0.0085, 0.0389, 0.0609),
              (-0.0076, 0.0003, -0.0043), (-0.0111, -0.0460, -0.0614))

_FLUX_TE = "comfyanonymous/flux_text_encoders"
_CLIP_L = TextEncoder("text_encoder", "CLIP-L", ("clip_l.safetensors",), _FLUX_TE)
_T5 = TextEncoder("text_encoder_2", "T5-XXL", ("t5xxl_fp16.safetensors", "t5xxl_fp8_e4m3fn.safetensors"), _FLUX_TE,
                  "google/t5-v1_1-xxl")
_AE = dict(vae_files=("ae.safetensors",), vae_repo="black-forest-labs/FLUX.1-schnell")
_QWEN3 = TextEncoder("text_encoder", "Qwen3", ("qwen_3_4b.safetensors",), "Comfy-Org/z_image_turbo", "Qwen/Qwen3-4B")
_SD_LIKE = dict(lora=True, train_base=True, prompt_weights=True, img2img="auto", inpaint="auto", ip_adapter=True)

FAMILIES: dict[str, Family] = {f.key: f for f in (
    Family("sd", "SD", latent_rgb=_SD_RGB, config="sd1", controlnet="sd", **_SD_LIKE),
    Family("sd1", "SD 1.x", latent_rgb=_SD_RGB, config="sd1", controlnet="sd", **_SD_LIKE),
    Family("sd2", "SD 2.x", latent_rgb=_SD_RGB, config="sd2", size=768, controlnet="sd2", **_SD_LIKE),
    Family("sdxl", "SDXL", latent_rgb=_SDXL_RGB, latent_rgb_bias=(0.1084, -0.0175, -0.0011), config="sdxl",
           size=1024, controlnet="sdxl", **_SD_LIKE),
    Family("sdxl_refiner", "SDXL refiner", img2img="auto", latent_rgb=_SDXL_RGB,
           latent_rgb_bias=(0.1084, -0.0175, -0.0011), size=1024),
    Family("sd3", "SD 3/3.5", "StableDiffusion3Pipeline", "StableDiffusion3Img2ImgPipeline",
           "StableDiffusion3InpaintPipeline", "transformer", "SD3Transformer2DModel", lora=True, flow=True,
           text_encoders=(_CLIP_L, TextEncoder("text_encoder_2", "CLIP-G", ("clip_g.safetensors",),
                                               "Comfy-Org/stable-diffusion-3.5-fp8"),
                          replace(_T5, component="text_encoder_3")),
           latent_channels=16, latent_rgb=_SD3_RGB, latent_rgb_bias=(0.2394, 0.2135, 0.1925),
           steps=28, cfg=4.5, size=1024, config="sd3", gguf_archs=("sd3",),
           repo="stabilityai/stable-diffusion-3.5-medium", controlnet="sd3", controlnet_class="SD3ControlNetModel",
           controlnet_pipelines=(("txt2img", "StableDiffusion3ControlNetPipeline"),)),
    Family("flux", "FLUX.1", "FluxPipeline", "FluxImg2ImgPipeline", "FluxInpaintPipeline", "transformer",
           "FluxTransformer2DModel", lora=True, flow=True, negative_prompt=False,
           text_encoders=(_CLIP_L, _T5), latent_channels=16, latent_patch=2, latent_rgb=_FLUX_RGB,
           latent_rgb_bias=_FLUX_BIAS, steps=28, cfg=3.5, size=1024, config="flux", gguf_archs=("flux",),
           repo="black-forest-labs/FLUX.1-schnell", controlnet="flux", controlnet_class="FluxControlNetModel",
           controlnet_pipelines=(("txt2img", "FluxControlNetPipeline"), ("img2img", "FluxControlNetImg2ImgPipeline"),
                                 ("inpaint", "FluxControlNetInpaintPipeline")), **_AE),
    Family("chroma", "Chroma", "ChromaPipeline", "ChromaImg2ImgPipeline", "ChromaInpaintPipeline", "transformer",
           "ChromaTransformer2DModel", lora=True, flow=True,
           text_encoders=(replace(_T5, component="text_encoder"),), latent_channels=16, latent_patch=2,
           latent_rgb=_FLUX_RGB, latent_rgb_bias=_FLUX_BIAS, steps=26, cfg=4.0, size=1024, config="chroma",
           gguf_archs=("chroma",), repo="lodestones/Chroma1-HD", **_AE),
    Family("zimage", "Z-Image", "ZImagePipeline", "ZImageImg2ImgPipeline", "ZImageInpaintPipeline", "transformer",
           "ZImageTransformer2DModel", lora=True, flow=True,
           text_encoders=(_QWEN3,),
           latent_channels=16, latent_rgb=_FLUX_RGB, latent_rgb_bias=_FLUX_BIAS, steps=9, cfg=0.0, size=1024,
           config="zimage", gguf_archs=("zimage", "z_image"), repo="Tongyi-MAI/Z-Image-Turbo", controlnet="zimage",
           controlnet_class="ZImageControlNetModel", controlnet_pipelines=(("txt2img", "ZImageControlNetPipeline"),),
           **_AE),
    Family("qwenimage", "Qwen-Image", "QwenImagePipeline", "QwenImageImg2ImgPipeline", "QwenImageInpaintPipeline",
           "transformer", "QwenImageTransformer2DModel", lora=True, flow=True, cfg_arg="true_cfg_scale",
           text_encoders=(TextEncoder("text_encoder", "Qwen2.5-VL", ("qwen_2.5_vl_7b.safetensors",),
                                      "Comfy-Org/Qwen-Image_ComfyUI", "Qwen/Qwen2.5-VL-7B-Instruct"),),
           latent_channels=16, latent_patch=2, latent_rgb=_WAN_RGB, latent_rgb_bias=(-0.1835, -0.0868, -0.3360),
           steps=50, cfg=4.0, size=1024, config="qwenimage", gguf_archs=("qwen_image",), repo="Qwen/Qwen-Image",
           controlnet="qwenimage", controlnet_class="QwenImageControlNetModel",
           controlnet_pipelines=(("txt2img", "QwenImageControlNetPipeline"),)),
    # diffusers 0.42 has no FLUX.2 klein img2img class: its inpainting pipeline with the whole image masked is
    # one (strength-controlled, the image also its reference), so both edits use it (``edit._img2img``).
    Family("flux2_klein", "FLUX.2 klein", "Flux2KleinPipeline", "Flux2KleinInpaintPipeline",
           "Flux2KleinInpaintPipeline", "transformer", "Flux2Transformer2DModel",
           lora=True, flow=True, negative_prompt=False, text_encoders=(_QWEN3,),
           latent_channels=32, vae_factor=8, latent_patch=2, latent_rgb=_FLUX2_RGB, latent_rgb_bias=_FLUX_BIAS,
           steps=4, cfg=1.0, size=1024, config="flux2_klein", gguf_archs=("flux2",),
           repo="black-forest-labs/FLUX.2-klein-4B"),
    Family("sana_sprint", "SANA-Sprint", "SanaSprintPipeline", "SanaSprintImg2ImgPipeline", "", "transformer",
           "SanaTransformer2DModel", lora=True, flow=True, negative_prompt=False, guidance=False,
           text_encoders=(TextEncoder("text_encoder", "Gemma 2", ()),), latent_channels=32, vae_factor=32,
           steps=2, cfg=4.5, size=1024, config="sana_sprint",
           repo="Efficient-Large-Model/Sana_Sprint_0.6B_1024px_diffusers"),
)}
"""Every image family the studio runs as a diffusers pipeline (the studio's own models are types)."""
NEW_FAMILIES = ("sd3", "flux", "chroma", "zimage", "qwenimage", "flux2_klein", "sana_sprint")
"""The transformer families (2024–26), in the order the studio supports them."""
WORD_FAMILIES = {"studio": N_("studio-trained"), "other": N_("other")}
PIPELINE_FAMILY = {f.pipeline: f.key for f in FAMILIES.values() if f.pipeline}
"""diffusers pipeline class → family (``model_index.json``'s ``_class_name``)."""
PIPELINE_FAMILY.update({"FluxImg2ImgPipeline": "flux", "FluxInpaintPipeline": "flux",
                        "StableDiffusion3Img2ImgPipeline": "sd3", "ChromaImg2ImgPipeline": "chroma",
                        "Flux2Pipeline": "flux2_klein", "Flux2KleinInpaintPipeline": "flux2_klein",
                        "SanaPipeline": "sana_sprint"})
CONTROLNET_CLASS_FAMILY = {f.controlnet_class: f.key for f in FAMILIES.values()
                           if f.controlnet and f.controlnet_class != "ControlNetModel"}
"""diffusers ControlNet class → family, for the transformer families' ControlNets (a ``ControlNetModel``'s
family is read from its width)."""
GGUF_FAMILY = {arch: f.key for f in FAMILIES.values() for arch in f.gguf_archs}
"""GGUF ``general.architecture`` → image family."""
IMAGE_GGUF_ARCHS = ("wan", "hyvid", "ltxv", "cosmos", "aura", "hidream", "lumina2", "sd1", "sdxl", "mochi")
"""GGUF architectures of image/video transformers the community quantises (those not in GGUF_FAMILY are refused)."""
LORA_FAMILIES = tuple(k for k, f in FAMILIES.items() if f.lora)
TRAIN_BASE_FAMILIES = tuple(k for k, f in FAMILIES.items() if f.train_base)
FAMILY_LABELS = {**{k: f.label for k, f in FAMILIES.items()}, "sdxl_refiner": "SDXL refiner", "other": "other",
                 "": ""}


def family(key: str) -> Family | None:
    """The family called ``key`` (None for the studio's own, "other" and unknown ones)."""
    return FAMILIES.get(key)


def family_label(key: str) -> str:
    """How the window names a family ("FLUX.1", "studio-trained", …)."""
    if key in WORD_FAMILIES:
        return _(WORD_FAMILIES[key])
    return FAMILY_LABELS.get(key, key)


@dataclass(frozen=True)
class Capabilities:
    """What one model can do (read by the model manager, the prompt editor and the canvas)."""

    txt2img: bool = False
    img2img: bool = False
    inpaint: bool = False
    lora: bool = False
    train_base: bool = False
    clip_score: bool = False
    previews: bool = False
    negative_prompt: bool = True
    guidance: bool = True
    flow: bool = False
    controlnet: bool = False
    """ControlNet units (for the operations in ``control_ops``)."""
    control_ops: tuple[str, ...] = ()
    ip_adapter: bool = False
    """IP-Adapter image prompts."""
    native_inpaint: bool = False
    """An inpainting UNet (9 input channels): inpaints natively."""
    text_encoders: tuple[str, ...] = ()
    steps: int = 20
    cfg: float = 7.0
    size: int = 512

    @property
    def timestep_spacing(self) -> bool:
        """Whether the sampler's timestep spacing (trailing for Turbo/Lightning…) changes anything: a
        flow-matching family runs its own scheduler, which has none (the fact is ``flow``, said once)."""
        return not self.flow

    def names(self) -> list[str]:
        """The capabilities it has, translated, in the table's order (the model manager lists them)."""
        words = {"txt2img": N_("text to image"), "img2img": N_("img2img"), "inpaint": N_("inpaint"),
                 "lora": N_("LoRA"), "train_base": N_("LoRA training base"), "clip_score": N_("CLIP score"),
                 "previews": N_("step previews"), "controlnet": N_("ControlNet"),
                 "ip_adapter": N_("image prompts (IP-Adapter)"),
                 "native_inpaint": N_("inpaints natively")}
        return [_(w) for k, w in words.items() if getattr(self, k)]


def capabilities(model_type: str, family_key: str = "") -> Capabilities:
    """What a model of ``model_type`` and ``family_key`` can do."""
    if model_type in PIXEL_TYPES:
        prompt = model_type != ModelType.STUDIO_DDPM.value
        return Capabilities(txt2img=True, img2img=True, inpaint=True, clip_score=prompt, previews=True,
                            negative_prompt=prompt, guidance=prompt)
    if model_type not in PIPELINE_TYPES:
        return Capabilities()
    fam = FAMILIES.get(family_key)
    if fam is None:  # an unknown diffusers pipeline runs text-to-image as its model_index.json says
        single = model_type == ModelType.SINGLE_FILE.value  # the engine decides for an unknown single file
        return Capabilities(txt2img=True, img2img=single, inpaint=single, lora=single, clip_score=True,
                            previews=True)
    return Capabilities(txt2img=True, img2img=bool(fam.img2img), inpaint=bool(fam.inpaint), lora=fam.lora,
                        train_base=fam.train_base, clip_score=fam.clip_score, previews=fam.previews,
                        negative_prompt=fam.negative_prompt, guidance=fam.guidance, flow=fam.flow,
                        controlnet=bool(fam.controlnet), control_ops=fam.control_ops(), ip_adapter=fam.ip_adapter,
                        text_encoders=tuple(t.kind for t in fam.text_encoders), steps=fam.steps, cfg=fam.cfg,
                        size=fam.size)


def caps_of(entry: Any) -> Capabilities:
    """:func:`capabilities` of a registry entry (anything with ``type`` and ``family``); an inpainting UNet's
    entry (details ``variant: inpainting``) inpaints natively."""
    caps = capabilities(str(getattr(entry, "type", "")), str(getattr(entry, "family", "") or ""))
    details = getattr(entry, "details", None) or {}
    if caps.inpaint and details.get("variant") == "inpainting":
        from dataclasses import replace

        caps = replace(caps, native_inpaint=True)
    return caps


def lora_fits(model_family: str, lora_family: str) -> bool:
    """Whether a LoRA of ``lora_family`` can apply to a model of ``model_family`` (unknown: let it try)."""
    known = set(FAMILIES) - {"sd"}
    if model_family in known and lora_family in known:
        return model_family == lora_family
    return True
