"""Teach the shipped Studio Fashion black, white, grey (gray) and brown by fine-tuning it (not retraining).

    OMP_NUM_THREADS=1 python tools/finetune_fashion_colours.py --steps 400 --batch 8 --lr 1e-4 --new-share 0.6 \
        --ema-decay 0.99 --warmup 15 --minutes 68 --checkpoint-every 25 --out OUT
    # cut short? the same command with --resume continues from the last checkpoint

The tokenizer gets the new words (old tokens keep their ids) and the text encoder new embedding rows
(started around the mean of the old colour words', apart from each other; a base that already has them,
an earlier fine-tune's output, keeps its rows and goes on from them). By default only those rows of
the text encoder learn (``--text-encoder new-words``: a prompt in the old words encodes exactly as before),
and the UNet is fine-tuned in full (``--unet attention``: only its transformer blocks) with the v-prediction /
min-SNR loss of ``studio.engines.training.text2img`` on the colourised Fashion-MNIST. A share of each batch
(``1 - --new-share``) replays the eight old colours; with ``--replay teacher`` (default) those samples learn
the shipped model's own prediction for the same noisy image and caption (self-distillation: it keeps what it
drew), with ``--replay data`` the data's. A checkpoint (weights, EMA, optimizer, LR schedule) is written every
``--checkpoint-every`` steps and when ``--minutes`` runs out; ``--resume`` continues from it. The EMA weights are
written as float16 safetensors.

``--guided grey=4,black=4`` makes those colours' samples learn for the guidance the model recommends: classifier-free
guidance extrapolates u + g (c - u) from the prediction without a caption (u) past the captioned one (c), which
pushes an unsaturated colour off its narrow band (grey drawn near-white, black near-invisible, with tints). Their
captioned prediction is trained toward u + (v - u) / SCALE (v: the data's target, u: the frozen teacher's, by
default the base), so that guidance SCALE lands on the data.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "resources" / "models" / "studio-fashion"
PARAMS = {"caption_dropout": 0.1, "min_snr_gamma": 5.0, "ema_decay": 0.995, "warmup": 30, "weight_decay": 0.01,
          "sample_steps": 20, "guidance": 4.0, "save_dtype": "float16", "log_every": 10, "embedding_lr_scale": 5.0,
          "embedding_lr": 0.0, "new_colour_share": 0.5, "init_noise": 1.0, "text_encoder": "new-words",
          "unet": "full", "replay": "teacher", "guided": {}, "guided_uncond": "teacher"}


def colour_weights(share: float, new_odds: list[float] | None = None) -> list[float]:
    """Odds per colour: ``share`` of the draws spread over the new colours (by ``new_odds``, default evenly),
    the rest replays the old ones."""
    from studio.engines.datasets import fashion_captions as fc

    old, new = fc.FIRST_COLOURS, len(fc.COLOURS) - fc.FIRST_COLOURS
    odds = list(new_odds or [1.0] * new)
    if len(odds) != new:
        raise ValueError(f"--new-odds needs {new} numbers ({', '.join(fc.COLOUR_NAMES[old:])})")
    return [(1 - share) / old] * old + [share * o / sum(odds) for o in odds]


def parse_guided(text: str) -> dict[str, float]:
    """``--guided grey=4,black=4`` → {"grey": 4.0, "gray": 4.0, "black": 4.0} (a colour's synonyms too); only the
    colours being learnt (the old ones replay what the base drew)."""
    from studio.engines.datasets import fashion_captions as fc

    out: dict[str, float] = {}
    new = fc.COLOUR_NAMES[fc.FIRST_COLOURS:]
    for item in filter(None, (t.strip() for t in text.split(","))):
        name, _sep, scale = item.partition("=")
        if name not in new or not scale.replace(".", "", 1).isdigit() or float(scale) < 1:
            raise ValueError(f"--guided takes COLOUR=SCALE with a new colour ({', '.join(new)}) and SCALE >= 1, "
                             f"not {item!r}")
        out.update(dict.fromkeys((name, *fc.COLOUR_SYNONYMS.get(name, ())), float(scale)))
    return out


def guided_rows(captions: list[str], dropped: list[bool], scales: dict[str, float]) -> list[tuple[int, float]]:
    """The batch rows that learn for guidance, with their scale: captions naming a guided colour, not dropped
    (a dropped caption trains the unconditional prediction, which guidance starts from)."""
    rows = []
    for i, (caption, drop) in enumerate(zip(captions, dropped)):
        scale = next((scales[w] for w in caption.split() if w in scales), 0.0)
        if scale and not drop:
            rows.append((i, scale))
    return rows


def make_trainer(spec, reporter, cancel, ctx, base: Path, out: Path, teacher: Path | None = None):
    """A Text2ImgTrainer that starts from the pipeline in ``base`` and learns the colours it lacks; the old colours
    replay ``teacher``'s predictions (default: the base's own)."""
    import torch

    from studio.engines.training.text2img import Text2ImgTrainer, _WarmupCosine

    class ColourFineTuner(Text2ImgTrainer):
        def setup(self) -> None:
            from diffusers import DDPMScheduler

            from studio.engines.clip_vocab import bundled_tokenizer_dir
            from studio.engines.datasets import fashion_captions as fc
            from studio.engines.datasets.bundled import fashion_colour
            from studio.engines.pipelines.studio_pipeline import load_studio_pipeline
            from studio.engines.training.vocab import extended_clip_tokenizer

            self.ds = fashion_colour(size=32, limit=self.params.get("limit"),
                                     colour_weights=colour_weights(float(self.p("new_colour_share")),
                                                                 self.params.get("new_odds")))
            pipe = load_studio_pipeline(base, dtype=torch.float32)
            old = pipe.tokenizer
            self.tokenizer = extended_clip_tokenizer(old, bundled_tokenizer_dir(), fc.all_captions() + [""])
            for c in fc.all_captions(fc.FIRST_COLOURS):  # what the model knew reads exactly as before
                assert old(c).input_ids == self.tokenizer(c).input_ids, c
            self._token_cache: dict[str, list[int]] = {}
            self.unet, self.text_encoder = pipe.unet.to(self.device), pipe.text_encoder.to(self.device)
            n_old = self.n_old_tokens = len(old)
            # The teacher, frozen: with replay "teacher" the old colours' samples learn its predictions. By default
            # the base; ``--teacher`` names another (the shipped model, when the base is an experiment's output, so
            # that a chain of fine-tunes does not drift from what the model drew).
            if teacher is None:
                self.teacher_unet = copy.deepcopy(self.unet).requires_grad_(False).eval()
                self.teacher_text = copy.deepcopy(self.text_encoder).requires_grad_(False).eval()
            else:
                tp = load_studio_pipeline(teacher, dtype=torch.float32)
                for c in fc.all_captions(fc.FIRST_COLOURS) + [""]:
                    if tp.tokenizer(c).input_ids != self.tokenizer(c).input_ids:
                        raise ValueError(f"--teacher {teacher} reads {c!r} with other token ids than the base")
                self.teacher_unet = tp.unet.to(self.device).requires_grad_(False).eval()
                self.teacher_text = tp.text_encoder.to(self.device).requires_grad_(False).eval()
            self.old_words = set(fc.colour_words(fc.FIRST_COLOURS))
            emb = self.text_encoder.resize_token_embeddings(len(self.tokenizer), mean_resizing=False).weight
            # The rows that learn: tokens the base lacks, and the new colours' words when the base (an earlier
            # fine-tune) already has them, so a second run goes on from what the first learnt.
            new_words = set(fc.colour_words()) - self.old_words
            learn = sorted(set(range(n_old, len(emb))) | {
                self.tokenizer.convert_tokens_to_ids(f"{w}</w>") for w in new_words
                if f"{w}</w>" in self.tokenizer.get_vocab()})
            with torch.no_grad():  # rows the base lacks start as distinct "colour words" around the old ones' mean
                ids = [old.convert_tokens_to_ids(f"{c}</w>") for c in fc.COLOUR_NAMES[:fc.FIRST_COLOURS]]
                mean, std = emb[ids].mean(0), emb[ids].std(0)
                g = torch.Generator().manual_seed(self.spec.seed)
                noise = torch.randn(len(emb) - n_old, emb.shape[1], generator=g).to(emb)
                emb[n_old:] = mean + float(self.p("init_noise")) * std * noise
                for name, synonyms in fc.COLOUR_SYNONYMS.items():  # "gray" starts where "grey" does
                    for syn in synonyms:
                        row = self.tokenizer.convert_tokens_to_ids(f"{syn}</w>")
                        if row >= n_old:  # a row the base lacks (a known one keeps what it learnt)
                            emb[row] = emb[self.tokenizer.convert_tokens_to_ids(f"{name}</w>")]
            # Colours whose samples learn for the guidance the model recommends (``--guided grey=3``): the caption's
            # prediction c is trained toward u + (v - u) / w (u: the teacher's prediction without a caption), so
            # that guidance's extrapolation u + g (c - u) lands on the data instead of overshooting it.
            self.guided = {str(w): float(v) for w, v in dict(self.p("guided")).items()}
            self.empty_ids = self.tokenize([""]).to(self.device)
            with torch.no_grad():  # the frozen teacher's encoding of the empty caption: the same at every step
                self.empty_encoding = self.teacher_text(self.empty_ids)[0]
            self.prompts = [fc.phrase(item, colour) for colour in fc.COLOUR_NAMES[fc.FIRST_COLOURS:]
                            for item in ("t-shirt", "trousers", "dress", "sneaker")]
            self.noise_scheduler = DDPMScheduler(num_train_timesteps=1000, beta_schedule="squaredcos_cap_v2",
                                                 prediction_type="v_prediction", timestep_spacing="trailing",
                                                 clip_sample=False)
            self.alphas_cumprod = self.noise_scheduler.alphas_cumprod.to(self.device)
            self.ema_unet = copy.deepcopy(self.unet).requires_grad_(False)
            self.ema_text = copy.deepcopy(self.text_encoder).requires_grad_(False)
            self.modules = {"unet": self.unet, "text_encoder": self.text_encoder,
                            "ema_unet": self.ema_unet, "ema_text_encoder": self.ema_text}
            emb_param = self.text_encoder.get_input_embeddings().weight
            if self.p("text_encoder") == "new-words":  # only the new words' rows learn: old prompts read as before
                self.text_encoder.requires_grad_(False)
                emb_param.requires_grad_(True)
                mask = torch.zeros(len(emb), 1, device=emb_param.device)
                mask[learn] = 1.0
                emb_param.register_hook(lambda grad: grad * mask)
            if self.p("unet") == "attention":  # the transformer blocks learn; the convolutions keep the shapes
                for name, param in self.unet.named_parameters():
                    param.requires_grad_(".attentions." in f".{name}")
            unet_params = [q for q in self.unet.parameters() if q.requires_grad]
            rest = [q for q in self.text_encoder.parameters() if q is not emb_param and q.requires_grad]
            lr = self.spec.lr
            emb_lr = float(self.p("embedding_lr")) or lr * float(self.p("embedding_lr_scale"))
            self.optimizer = torch.optim.AdamW(
                [{"params": unet_params + rest, "lr": lr},
                 {"params": [emb_param], "lr": emb_lr, "weight_decay": 0.0}],  # no decay: old rows stay exact
                lr=lr, weight_decay=float(self.p("weight_decay")), betas=(0.9, 0.99))
            self.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
                self.optimizer, _WarmupCosine(int(self.p("warmup")), max(1, self.spec.steps)))
            self.optimizers = {"adamw": self.optimizer}
            self.lr_schedulers = {"lr": self.lr_scheduler}
            self._ema_pairs = [(e, p) for m, em in ((self.unet, self.ema_unet), (self.text_encoder, self.ema_text))
                               for e, p in zip(em.parameters(), m.parameters())]
            self.net, self.text_net, self.optimizer, _s = self.prepare(self.unet, self.text_encoder, self.optimizer,
                                                                       self.lr_scheduler)

        def train_step(self, step: int):
            """The text2img loss; with replay "teacher", the old colours' samples (captioned or dropped) learn
            the shipped model's prediction instead of the data's (it keeps what it drew, not just the data)."""
            batch = self.noisy_batch(step)
            old = torch.tensor([bool(self.old_words & set(c.split())) for c in batch.captions], device=self.device)
            target = batch.target
            if self.p("replay") == "teacher" and bool(old.any()):
                with torch.no_grad():
                    o = old.nonzero().view(-1)
                    teach = self.teacher_unet(batch.xt[o], batch.t[o],
                                              encoder_hidden_states=self.teacher_text(batch.ids[o])[0]).sample
                    target = target.index_copy(0, o, teach.float())
            rows = guided_rows(batch.captions, (batch.ids == self.empty_ids).all(dim=1).tolist(), self.guided)
            g = [i for i, _w in rows]
            if rows:
                # u: the prediction without a caption for the same noisy image, the teacher's or (``--guided-uncond
                # self``) the model's own: sampling extrapolates from the model's own u, and a teacher's that has
                # drifted from it by d moves the guided result by (SCALE - 1) d.
                uncond = self.teacher_unet if self.p("guided_uncond") == "teacher" else self.net
                with torch.no_grad():
                    gi = torch.tensor(g, device=self.device)
                    u = uncond(batch.xt[gi], batch.t[gi], encoder_hidden_states=self.empty_encoding.expand(
                        len(g), -1, -1)).sample.float()
                    w = torch.tensor([w for _i, w in rows], device=self.device).view(-1, 1, 1, 1)
                    target = target.index_copy(0, gi, u + (target[gi] - u) / w)
            loss, per, gnorm = self.optimise(batch, target)
            new = ~old
            return {"loss": loss.detach(), "mse": per.mean().detach(),
                    "mse_new": per[new].mean().detach() if bool(new.any()) else None,
                    "mse_old": per[old].mean().detach() if bool(old.any()) else None,
                    "mse_guided": per[g].mean().detach() if g else None,
                    "grad_norm": None if gnorm is None else gnorm.detach()}

    return ColourFineTuner(spec, reporter, cancel, ctx, out_dir=out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="folder to write the fine-tuned pipeline into (replaced)")
    ap.add_argument("--base", default=str(SHIPPED), help="the pipeline to start from (default: the shipped one)")
    ap.add_argument("--steps", type=int, default=700)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1.5e-4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--minutes", type=float, default=0.0, help="stop at this wall-clock time, checkpoint and save")
    ap.add_argument("--checkpoint-every", type=int, default=30, help="steps between checkpoints")
    ap.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --home")
    ap.add_argument("--home", default=str(Path(tempfile.gettempdir()) / "studio-fashion-colours"),
                    help="studio home holding the checkpoint (kept, so a cut run can resume)")
    ap.add_argument("--sample-every", type=int, default=0, help="write a sample grid PNG beside --out every N steps")
    ap.add_argument("--limit", type=int, default=0, help="use only the first N training images (tests)")
    ap.add_argument("--text-encoder", choices=("new-words", "full"), default=PARAMS["text_encoder"],
                    help="new-words: only the new words' embeddings learn (old prompts encode exactly as before)")
    ap.add_argument("--unet", choices=("full", "attention"), default=PARAMS["unet"],
                    help="which UNet weights learn: all, or only its transformer (attention) blocks")
    ap.add_argument("--replay", choices=("teacher", "data"), default=PARAMS["replay"],
                    help="old colours learn the shipped model's predictions (teacher) or the data's")
    ap.add_argument("--new-share", type=float, default=PARAMS["new_colour_share"],
                    help="share of each batch drawn in the new colours (the rest replays the old ones)")
    ap.add_argument("--new-odds", default="", help="relative odds of the new colours within --new-share, "
                    "comma-separated in the order black,white,grey,brown (default: even)")
    ap.add_argument("--embedding-lr", type=float, default=1e-3, help="learning rate of the new words' embeddings")
    ap.add_argument("--ema-decay", type=float, default=PARAMS["ema_decay"], help="EMA decay of the saved weights")
    ap.add_argument("--warmup", type=int, default=PARAMS["warmup"], help="learning-rate warm-up steps")
    ap.add_argument("--guided", default="", help="COLOUR=SCALE,...: those colours' samples learn for guidance "
                    "SCALE (their caption's prediction aims at u + (v - u) / SCALE; e.g. grey=3)")
    ap.add_argument("--guided-uncond", choices=("teacher", "self"), default=PARAMS["guided_uncond"],
                    help="whose prediction without a caption --guided aims from: the frozen teacher's or the model's own")
    ap.add_argument("--teacher", default="", help="the model whose predictions the old colours replay "
                    "(default: --base; name the shipped one when --base is an earlier fine-tune)")
    ap.add_argument("--cut-at", type=int, default=0, help="stop at this step as the time limit would (tests)")
    args = ap.parse_args(argv)
    try:
        guided = parse_guided(args.guided)
    except ValueError as e:
        ap.error(str(e))

    home = Path(args.home)
    home.mkdir(parents=True, exist_ok=True)
    os.environ["AIGC_STUDIO_HOME"] = str(home)
    from studio.core.i18n import _
    from studio.core.paths import StudioPaths
    from studio.core.progress import CancelToken, ConsoleReporter
    from studio.core.settings import Settings
    from studio.core.specs.training import TrainSpec
    from studio.engines.context import EngineContext
    from studio.engines.datasets import fashion_captions

    out = Path(args.out).resolve()
    params = dict(PARAMS, text_encoder=args.text_encoder, unet=args.unet, replay=args.replay,
                  new_colour_share=args.new_share, embedding_lr=args.embedding_lr,
                  ema_decay=args.ema_decay, warmup=args.warmup,
                  guided=guided, guided_uncond=args.guided_uncond,
                  **({"limit": args.limit} if args.limit else {}),
                  **({"new_odds": [float(v) for v in args.new_odds.split(",")]} if args.new_odds else {}))
    ctx = EngineContext.create(StudioPaths(home), Settings(), device=args.device)
    spec = TrainSpec(family="text2img", data="fashion-colour", out="studio-fashion-colours", steps=args.steps,
                     batch=args.batch, lr=args.lr, size=32, seed=args.seed, sample_every=args.sample_every,
                     checkpoint_every=args.checkpoint_every, params=params, overwrite=True,
                     resume="last" if args.resume else "")

    class Reporter(ConsoleReporter):
        def __init__(self) -> None:
            super().__init__(min_interval=10.0)

        def wants_preview(self) -> bool:
            return bool(args.sample_every)

        def preview(self, image) -> None:
            out.parent.mkdir(parents=True, exist_ok=True)
            image.save(out.parent / f"{out.name}-samples.png")

        def progress(self, done, total=None, message="") -> None:
            super().progress(done, total, message)
            if args.cut_at and message != _("sample grid") and done >= args.cut_at:
                cancel.cancel()

    cancel = CancelToken()
    timer = None
    if args.minutes:
        timer = threading.Timer(args.minutes * 60, cancel.cancel)
        timer.daemon = True
        timer.start()
    base_card = json.loads((Path(args.base) / "studio_model.json").read_text(encoding="utf-8"))
    trainer = make_trainer(spec, Reporter(), cancel, ctx, Path(args.base), out,
                           Path(args.teacher) if args.teacher else None)
    t0 = time.time()
    result = trainer.fit()
    if result.cancelled:  # the time limit: the checkpoint is saved; keep what was learnt too
        print(f"time limit reached at step {trainer.step} (resume with --resume)", file=sys.stderr, flush=True)
        trainer.write_artifact()
    minutes = (time.time() - t0) / 60
    card_path = out / "studio_model.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    for key in ("name", "license", "default_size", "clip", "recommended", "training"):
        if key in base_card:
            card[key] = base_card[key]
    card["trained_steps"] = base_card.get("trained_steps", 0)
    card["vocabulary"] = fashion_captions.vocabulary()
    if "fine_tuned" in base_card:  # a fine-tune of a fine-tune: keep the chain of runs that made the weights
        card["fine_tuned_before"] = base_card.get("fine_tuned_before", []) + [base_card["fine_tuned"]]
    card["fine_tuned"] = {"colours": list(fashion_captions.COLOUR_NAMES[fashion_captions.FIRST_COLOURS:]),
                          "steps": trainer.step, "batch": args.batch, "lr": args.lr, "seed": args.seed,
                          "device": args.device, "minutes_this_run": round(minutes, 1),
                          "command": "python tools/finetune_fashion_colours.py " + " ".join(argv or sys.argv[1:])}
    card_path.write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out} at step {trainer.step} ({minutes:.1f} min this run)", flush=True)
    if not result.cancelled:
        shutil.rmtree(home / "training" / spec.out, ignore_errors=True)  # finished: the checkpoint is spent
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
