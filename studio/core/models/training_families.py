"""The training families and their defaults, in one place: the training form, the trainers and
``main.py train`` all read them from here.

A family has run defaults (steps, batch, learning rate, resolution, dataset), hyper-parameters
(``params``: what ``Trainer.p(key)`` returns when ``TrainSpec.params`` does not say), the options the
form shows for them, and the choices some of them allow. ``check_params`` rejects a key no trainer
reads (``featurs=8``) with the list of valid ones, so a typo is never silently ignored. Pure Python.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Mapping

from studio.core.errors import SpecError
from studio.core.i18n import N_, _


@dataclass(frozen=True)
class Extra:
    """A hyper-parameter the training form shows (its default is the family's ``params[key]``)."""

    key: str
    label: str
    default: Any
    tooltip: str
    lo: float = 0
    hi: float = 1_000_000
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Option:
    """How the form shows ``params[key]``: label, tooltip and range (the default is not repeated here)."""

    key: str
    label: str
    tooltip: str
    lo: float = 0
    hi: float = 1_000_000


@dataclass(frozen=True)
class Family:
    key: str
    title: str
    description: str
    steps: int
    batch: int
    lr: float
    size: int
    dataset: str
    needs_base: str = ""
    """'' (trains from scratch), 'image' (a diffusion pipeline), 'text' (a causal LM) or 'understand' (an
    encoder or a causal LM to put a classification head on)."""
    text_data: bool = False
    sizes: tuple[int, ...] = (16, 32, 64, 128)
    params: Mapping[str, Any] = field(default_factory=dict)
    """Hyper-parameters and their defaults (what the trainer reads with ``p(key)``)."""
    options: tuple[Option, ...] = ()
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    aliases: Mapping[str, str] = field(default_factory=dict)
    """Other accepted names of a parameter (``width`` for the VAE's ``features``)."""

    @property
    def extras(self) -> tuple[Extra, ...]:
        """The form's fields, with their defaults from ``params`` (then the options every family shares)."""
        own = tuple(Extra(o.key, o.label, self.params[o.key], o.tooltip, o.lo, o.hi, self.choices.get(o.key, ()))
                    for o in self.options)
        return own + tuple(Extra(o.key, o.label, COMMON_DEFAULTS[o.key], o.tooltip, o.lo, o.hi,
                                 COMMON_CHOICES.get(o.key, ())) for o in COMMON_OPTIONS)

    def default(self, key: str) -> Any:
        """The default of hyper-parameter ``key``: the family's own, else the shared one (KeyError if neither)."""
        return self.params[key] if key in self.params else COMMON_DEFAULTS[key]

    def valid_params(self) -> list[str]:
        """Every key ``TrainSpec.params`` may hold for this family, sorted."""
        common = COMMON_PARAMS if not self.text_data else {k: v for k, v in COMMON_PARAMS.items()
                                                           if k not in IMAGE_ONLY}
        return sorted({*self.params, *self.aliases, *common})


# Parameters every trainer reads (studio.engines.training.trainer / family_common).
COMMON_PARAMS: dict[str, str] = {
    "log_every": "average the losses over N steps per plot point",
    "save_samples": "also save each sample grid as a PNG beside the checkpoints",
    "limit": "use only the first N examples of the dataset",
    "device": "cpu, cuda or mps for this run",
    "amp": "false: no mixed precision on CUDA either (the same as mixed_precision=no; kept for older specs)",
    "mixed_precision": "auto (bfloat16 autocast on CUDA for the diffusion and transformer families, none for "
                       "GAN/VAE or elsewhere), no, fp16 (CUDA only) or bf16, through accelerate",
    "grad_accum": "gradient accumulation: each step averages the gradients of N batches before the optimizer "
                  "steps (effective batch = batch × N × processes)",
    "out_dir": "write the trained model to this folder instead of the models folder",
    "flip": "also train on mirrored images",
    "image_channels": "1 (grey) or 3 (colour): convert the dataset's images",
    "fid_every": "every N steps, FID and KID (CLIP features) of the samples against the training data, "
                 "plotted beside the loss (0: never)",
    "fid_samples": "training images FID/KID compare with (default 256)",
    "fid_clip": "the CLIP whose features FID/KID use (default: the first installed)",
}
# The shared parameters with a default (what ``Trainer.p`` returns when neither the spec nor the family
# says), the choices some allow, and the ones the form shows for every family.
MIXED_PRECISION = ("auto", "no", "fp16", "bf16")
CHOICE_LABELS = {"auto": N_("auto"), "no": N_("no (full precision)")}
"""How the form shows a choice that is a word (N_: shown with _()); the value stays the choice."""
COMMON_DEFAULTS: dict[str, Any] = {"mixed_precision": "auto", "grad_accum": 1}
COMMON_CHOICES: dict[str, tuple[str, ...]] = {"mixed_precision": MIXED_PRECISION}
COMMON_OPTIONS: tuple[Option, ...] = (
    Option("mixed_precision", N_("Mixed precision"), N_("auto: bfloat16 autocast on a GPU (GAN and VAE: full "
           "precision), full precision on the CPU; fp16 needs CUDA (with loss scaling); bf16 also works on recent CPUs. Runs through accelerate.")),
    Option("grad_accum", N_("Gradient accumulation"), N_("Batches whose gradients are averaged before each "
           "optimizer step: a larger effective batch (batch × N) in the same memory; each step takes N times "
           "as long."), 1, 1024),
)
IMAGE_ONLY = ("flip", "image_channels", "fid_every", "fid_samples", "fid_clip")

FAMILIES: tuple[Family, ...] = (
    Family("gan", N_("GAN (DCGAN or fully connected)"),
           N_("A generator and a discriminator trained against each other: sharp images, no text control. "
           "Samples use fixed noise so you can watch them improve. Architecture 'mlp' is the tutorials' "
           "fully-connected GAN (linear layers, LeakyReLU, Tanh)."), 3000, 64, 2e-4, 32, "fashion-mnist",
           params={"arch": "dcgan", "latent_dim": 100, "features": 64, "hidden": (256, 512, 1024), "beta1": 0.5,
                   "beta2": 0.999, "samples": 64, "label_smoothing": 0.0, "calibration_batches": 8},
           options=(Option("arch", N_("Architecture"), N_("dcgan: convolutional (DCGAN, sharper); mlp: the tutorials' "
                           "fully-connected GAN (linear layers, LeakyReLU, Tanh; quick to train on digits).")),
                    Option("latent_dim", N_("Latent size"), N_("Length of the random vector the generator turns into "
                           "an image."), 8, 512),
                    Option("beta1", N_("Adam β1"), N_("Adam's first momentum; 0.5 keeps GAN training stable "
                           "(DCGAN paper)."), 0.0, 0.99)),
           choices={"arch": ("dcgan", "mlp")}),
    Family("vae", N_("VAE"), N_("An encoder/decoder with a latent space: smooth but blurrier images; reconstruction "
           "and KL losses are plotted."), 3000, 64, 1e-3, 32, "fashion-mnist",
           params={"latent_dim": 32, "features": 32, "beta": 1.0, "samples": 16, "recon_samples": 8,
                   "weight_decay": 0.0, "calibration_batches": 8},
           options=(Option("beta", N_("KL weight β"), N_("Weight of the KL term: higher gives a smoother latent space "
                           "and blurrier images."), 0.0, 100.0),
                    Option("latent_dim", N_("Latent size"), N_("Size of the latent vector."), 2, 512)),
           aliases={"width": "features"}),
    Family("ddpm", N_("Diffusion (DDPM, unconditional)"), N_("A UNet2DModel learning to denoise: slow to train, best "
           "quality of the from-scratch families; no prompts."), 5000, 64, 2e-4, 32, "fashion-mnist",
           params={"channels": (64, 128, 256), "layers_per_block": 2, "attention_levels": (False, True, True),
                   "train_timesteps": 1000, "beta_schedule": "linear", "ema_decay": 0.999, "warmup": 100,
                   "weight_decay": 0.0, "sample_steps": 25, "sample_scheduler": "ddim", "samples": 16,
                   "grad_clip": 1.0},
           choices={"beta_schedule": ("linear", "scaled_linear", "squaredcos_cap_v2")}),
    Family("text2img", N_("Text-to-image diffusion"), N_("A small diffusion model with its own text encoder, trained "
           "on captioned images; generates from prompts in the Image workspace."), 3000, 32, 5e-4, 32,
           "fashion-colour",
           params={"channels": (64, 128, 128), "layers_per_block": 1, "heads": 4, "text_dim": 128,
                   "text_layers": 2, "text_heads": 4, "max_tokens": 16, "caption_dropout": 0.1,
                   "min_snr_gamma": 5.0, "ema_decay": 0.999, "warmup": 200, "weight_decay": 0.01,
                   "sample_steps": 20, "guidance": 4.0, "save_dtype": "float32"},
           options=(Option("caption_dropout", N_("Caption dropout"), N_("Share of steps trained without the caption, "
                           "so guidance works."), 0.0, 1.0),)),
    Family("clip", N_("CLIP (image–text)"), N_("A small CLIP trained contrastively on captioned images: it scores how "
           "well an image matches a prompt and steers CLIP-guided generation."), 1600, 256, 1.5e-3, 32,
           "fashion-colour", sizes=(32, 64),
           params={"patch": 8, "vision_dim": 128, "vision_layers": 4, "vision_heads": 4, "mlp_ratio": 2,
                   "text_dim": 64, "text_layers": 2, "text_heads": 4, "embed_dim": 128, "max_tokens": 16,
                   "warmup": 100, "weight_decay": 0.05, "title": ""}),
    Family("lora", N_("LoRA for an image model"), N_("Fine-tune a diffusion pipeline on your own images (a folder, "
           "captions in same-name .txt files or one instance prompt)."), 500, 1, 1e-4, 512, "",
           needs_base="image", sizes=(256, 384, 512, 640, 768, 1024),
           params={"rank": 8, "alpha": 8, "instance_prompt": "", "train_text_encoder": False,
                   "target_modules": ("to_q", "to_k", "to_v", "to_out.0"),
                   "text_target_modules": ("q_proj", "k_proj", "v_proj", "out_proj"),
                   "warmup": 0, "grad_clip": 1.0, "flip": False, "samples": 4, "sample_steps": 20, "guidance": 7.5},
           options=(Option("rank", N_("Rank"), N_("Size of the LoRA matrices: higher learns more detail and makes a "
                           "bigger file."), 1, 256),
                    Option("alpha", N_("Alpha"), N_("Scale of the LoRA update (alpha / rank multiplies it)."), 1, 512),
                    Option("instance_prompt", N_("Instance prompt"), N_("Caption for images without a .txt file, "
                           "e.g. 'a photo of sks dog'.")),
                    Option("train_text_encoder", N_("Train text encoder"), N_("Also adapt the text encoder: learns new "
                           "words better, uses more memory.")))),
    Family("text_lora", N_("LoRA for a language model"), N_("Fine-tune a causal LM on a text file or JSONL of "
           "instruction/response pairs; use it in the Text workspace."), 200, 4, 2e-4, 0, "",
           needs_base="text", text_data=True, sizes=(),
           params={"rank": 8, "alpha": 16, "dropout": 0.0, "target_modules": "all-linear", "max_length": 512,
                   "merge": False, "warmup": 10, "weight_decay": 0.0, "grad_clip": 1.0},
           options=(Option("rank", N_("Rank"), N_("Size of the LoRA matrices."), 1, 256),
                    Option("alpha", N_("Alpha"), N_("Scale of the LoRA update (alpha / rank multiplies it)."), 1, 512),
                    Option("max_length", N_("Max tokens"), N_("Longer examples are cut to this many tokens."), 32, 32768),
                    Option("merge", N_("Also save merged"), N_("Besides the adapter, save a copy of the model with the "
                           "LoRA merged in (as large as the base model).")))),
    Family("mlm", N_("Masked language model (BERT pretraining)"), N_("A small BERT pretrained from scratch on your "
           "text (a folder of .txt, or a .txt/.jsonl file) by filling in masked words, with a WordPiece vocabulary "
           "learnt from the same text (Chinese: each character is a token). Fills [MASK] in the Text workspace; "
           "the base of a classifier."), 2000, 32, 5e-4, 0, "", text_data=True, sizes=(),
           params={"vocab_size": 4000, "hidden": 128, "layers": 2, "heads": 2, "intermediate": 256,
                   "max_length": 64, "mask_prob": 0.15, "lowercase": True, "warmup": 50, "weight_decay": 0.01,
                   "grad_clip": 1.0},
           options=(Option("vocab_size", N_("Vocabulary"), N_("Most WordPiece tokens learnt from the corpus."), 100,
                           100000),
                    Option("hidden", N_("Width"), N_("Hidden size of the BERT layers."), 16, 1024),
                    Option("layers", N_("Layers"), N_("Transformer layers."), 1, 24),
                    Option("mask_prob", N_("Mask share"), N_("Share of tokens hidden per sentence (BERT: 0.15)."),
                           0.01, 0.9))),
    Family("classifier", N_("Text classifier (transfer learning)"), N_("Fine-tune a pretrained model with a "
           "classification head on a labelled CSV/JSONL (text, label): a studio mlm model, a local BERT-like "
           "encoder, or a language model such as SmolLM2 (LoRA). Ends with a classification report and a "
           "confusion matrix."), 300, 16, 5e-5, 0, "", needs_base="understand", text_data=True, sizes=(),
           params={"val_fraction": 0.2, "eval_every": 25, "patience": 4, "max_length": 128, "lora": "auto",
                   "rank": 8, "alpha": 16, "lora_targets": ("q_proj", "k_proj", "v_proj", "o_proj"),
                   "warmup": 10, "weight_decay": 0.01, "grad_clip": 1.0},
           options=(Option("val_fraction", N_("Validation share"), N_("Share of each class held out to measure the "
                           "model (early stopping, report)."), 0.05, 0.5),
                    Option("patience", N_("Patience"), N_("Stop after this many evaluations without a better "
                           "validation loss (0: never stop early)."), 0, 100),
                    Option("lora", N_("LoRA"), N_("auto: LoRA for language models, full fine-tuning for encoders."))),
           choices={"lora": ("auto", "on", "off")}),
)
FAMILY_KEYS: tuple[str, ...] = tuple(f.key for f in FAMILIES)


def family(key: str) -> Family:
    """The family called ``key`` (SpecError naming the families otherwise)."""
    for f in FAMILIES:
        if f.key == key:
            return f
    raise SpecError(_("Unknown training family {name!r}; choose one of: {names}.").format(
        name=key, names=", ".join(FAMILY_KEYS)))


def check_params(key: str, params: Mapping[str, Any]) -> None:
    """SpecError for a parameter the family's trainer does not read, or a value outside its choices."""
    fam = family(key)
    valid = fam.valid_params()
    unknown = [k for k in params if k not in valid]
    if unknown:
        bad = unknown[0]
        close = difflib.get_close_matches(bad, valid, n=1)
        hint = _(" Did you mean {name}?").format(name=close[0]) if close else ""
        raise SpecError(_("Unknown parameter {name!r} for {family}.{hint} Valid parameters: {valid}.").format(
            name=bad, family=key, hint=hint, valid=", ".join(valid)))
    accum = params.get("grad_accum", 1)
    if isinstance(accum, bool) or not isinstance(accum, int) or not 1 <= accum <= 1024:
        raise SpecError(_("grad_accum must be a whole number from 1 to 1024 (got {value!r}).").format(value=accum))
    for name, allowed in {**COMMON_CHOICES, **fam.choices}.items():
        if name in params and params[name] not in allowed:
            raise SpecError(_("{name} must be one of {allowed} (got {value!r}).").format(
                name=name, allowed=", ".join(allowed), value=params[name]))


SIZE_FREE_ARCHS = frozenset({("gan", "mlp")})
"""(family, arch) whose models draw any side (the fully-connected GAN draws MNIST's own 28 px; its own
range is checked by its config); every other family with ``sizes`` needs a multiple of 8 (convolutions
halve the side)."""


def size_problem(fam: Family, params: Mapping[str, Any], size: int) -> str:
    """Why ``size`` cannot be trained by ``fam`` with ``params`` ('' when it can)."""
    if not fam.sizes:
        return ""
    arch = str(params.get("arch", fam.params.get("arch", "")))
    if (fam.key, arch) in SIZE_FREE_ARCHS:
        return "" if 4 <= size <= 128 else _("The fully-connected GAN draws 4 to 128 px images (got {image_size}).").format(
            image_size=size)
    if size < 8 or size % 8:
        return _("--size must be a multiple of 8 and at least 8 (got {size}).").format(size=size)
    return ""
