"""Content templates: a prompt with named fields the user fills in (marketing copy, poem, ...).

A template's ``prompt`` uses ``{field}`` placeholders; ``fields`` gives each a label and a hint.
Built-in templates cover the common content-creation uses; user templates are JSON files under
``<home>/text_templates`` and can override a built-in of the same name.
"""
from __future__ import annotations

import json
import logging
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from studio.core.atomic import atomic_write_text
from studio.core.errors import SpecError, StudioError
from studio.core.i18n import _, current_language
from studio.core.paths import StudioPaths

log = logging.getLogger(__name__)
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class TemplateField:
    name: str
    label: str = ""
    hint: str = ""
    multiline: bool = False
    required: bool = True


@dataclass(frozen=True)
class ContentTemplate:
    name: str
    title: str
    prompt: str
    fields: tuple[TemplateField, ...] = ()
    system: str = ""
    description: str = ""
    temperature: float = 0.7
    max_new_tokens: int = 300
    builtin: bool = False

    def field_names(self) -> list[str]:
        return placeholders(self.prompt)


def placeholders(text: str) -> list[str]:
    """The ``{name}`` placeholders of ``text`` in order of first appearance."""
    seen: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise SpecError(_("The template has an unbalanced brace: {exc}.").format(exc=exc)) from exc
    for _literal, name, _spec, _conversion in parsed:
        if name is not None and name not in seen:
            if not name.isidentifier():
                raise SpecError(_("Template field {{{name}}} must be a single word (letters, digits, _).").format(
                    name=name))
            seen.append(name)
    return seen


def _f(name: str, label: str, hint: str = "", multiline: bool = False, required: bool = True) -> TemplateField:
    return TemplateField(name, label, hint, multiline, required)


_WRITER = "You are a skilled professional writer. Answer with the requested text only, no preamble."

BUILTIN_TEMPLATES: tuple[ContentTemplate, ...] = (
    ContentTemplate(
        "marketing_copy", "Marketing copy",
        "Write persuasive marketing copy for {product}. Target audience: {audience}. Tone: {tone}. "
        "Highlight these points: {points}. End with a call to action.",
        (_f("product", "Product or service", "e.g. a solar-powered phone charger"),
         _f("audience", "Audience", "e.g. hikers and campers"),
         _f("tone", "Tone", "e.g. energetic, friendly"),
         _f("points", "Key points", "one or more selling points", multiline=True)),
        _WRITER, "A short advertising text with a call to action.", 0.8),
    ContentTemplate(
        "product_description", "Product description",
        "Write a product description for an online shop. Product: {product}. Features: {features}. "
        "Keep it under {words} words.",
        (_f("product", "Product", "e.g. ceramic coffee mug, 350 ml"),
         _f("features", "Features", "materials, size, what makes it special", multiline=True),
         _f("words", "Maximum words", "e.g. 120")),
        _WRITER, "A clear, appealing description for a shop page.", 0.7),
    ContentTemplate(
        "story", "Short story",
        "Write a short story in the {genre} genre about {premise}. The main character is {character}.",
        (_f("genre", "Genre", "e.g. science fiction, fairy tale"),
         _f("premise", "Premise", "what happens", multiline=True),
         _f("character", "Main character", "e.g. a retired lighthouse keeper")),
        "You are a creative storyteller.", "A short story from a premise.", 0.9, 600),
    ContentTemplate(
        "poem", "Poem",
        "Write a {form} about {topic}. Mood: {mood}.",
        (_f("form", "Form", "e.g. haiku, sonnet, free verse"),
         _f("topic", "Topic", "e.g. autumn rain"),
         _f("mood", "Mood", "e.g. melancholic, joyful")),
        "You are a poet.", "A poem in a chosen form and mood.", 0.9, 200),
    ContentTemplate(
        "news_summary", "News summary",
        "Summarize the following article in {sentences} sentences for a general audience.\n\n{article}",
        (_f("sentences", "Sentences", "e.g. 3"),
         _f("article", "Article text", "paste the article", multiline=True)),
        "You are a precise news editor. Stick to the facts in the text.", "A faithful, short summary.", 0.3),
    ContentTemplate(
        "email_reply", "Email reply",
        "Write a reply to this email. The reply should {intent}. Tone: {tone}.\n\nEmail:\n{email}",
        (_f("email", "Email received", "paste the email", multiline=True),
         _f("intent", "What the reply should do", "e.g. accept the meeting and propose Tuesday"),
         _f("tone", "Tone", "e.g. polite and concise")),
        "You write clear, courteous emails.", "A reply to an email you received.", 0.5),
    ContentTemplate(
        "social_post", "Social media post",
        "Write a {platform} post about {topic} for {audience}. Include {hashtags} relevant hashtags.",
        (_f("platform", "Platform", "e.g. LinkedIn, Instagram"),
         _f("topic", "Topic", "what the post is about", multiline=True),
         _f("audience", "Audience", "e.g. small business owners"),
         _f("hashtags", "Number of hashtags", "e.g. 3")),
        "You are a social media manager.", "A short post with hashtags.", 0.8, 200),
    # Applications of a trained text classifier (Text ▸ Understand, or main.py classify --file): its
    # per-label counts or a message's label fill these in.
    ContentTemplate(
        "sentiment_monitoring", "Sentiment monitoring report",
        "Write a short opinion-monitoring report about {subject} for {period}. A sentiment classifier labelled "
        "the customer comments: {counts}. Typical comments: {examples}. Say what people like, what they "
        "complain about, how the mood is trending and what to do next.",
        (_f("subject", "Product or brand", "e.g. our delivery service"),
         _f("period", "Period", "e.g. the week of 3 March"),
         _f("counts", "Counts per label", "from Classify a file…, e.g. negative: 12, positive: 40"),
         _f("examples", "Example comments", "a few comments per label", multiline=True)),
        "You are a customer-insight analyst. Be concise and factual.",
        "Turns a sentiment classifier's counts into a monitoring report.", 0.4, 350),
    ContentTemplate(
        "support_routing", "Customer-service routing reply",
        "A customer wrote: {message}\nOur intent classifier routed it to the {team} team (confidence {confidence}). "
        "Write the first reply from that team: acknowledge the request, say what happens next, and ask for any "
        "detail the team needs.",
        (_f("message", "Customer message", multiline=True),
         _f("team", "Routed to", "the classifier's label, e.g. billing, shipping, technical"),
         _f("confidence", "Confidence", "the label's probability, e.g. 0.93", required=False)),
        "You are a polite, efficient customer-service agent.",
        "A first reply for a message routed by an intent classifier.", 0.5, 250),
)
BUILTIN_TEMPLATES = tuple(ContentTemplate(**{**t.__dict__, "builtin": True}) for t in BUILTIN_TEMPLATES)


def builtin_templates(language: str | None = None) -> tuple[ContentTemplate, ...]:
    """The built-in templates written in ``language`` (default: the studio's language); English otherwise."""
    if (language or current_language()) == "zh_CN":
        from studio.core.text_templates_zh import ZH_CN_TEMPLATES  # content, not a catalogue: loaded when spoken

        return ZH_CN_TEMPLATES
    return BUILTIN_TEMPLATES


def render(template: ContentTemplate, values: Mapping[str, str]) -> str:
    """The prompt with the fields filled in; SpecError names the first required field left empty."""
    labels = {f.name: f for f in template.fields}
    filled: dict[str, str] = {}
    for name in template.field_names():
        value = str(values.get(name, "")).strip()
        fdef = labels.get(name)
        if not value and (fdef is None or fdef.required):
            raise SpecError(_("Fill in “{field}” first.").format(field=fdef.label if fdef and fdef.label else name))
        filled[name] = value
    return template.prompt.format_map(filled)


def template_to_dict(t: ContentTemplate) -> dict:
    return {"name": t.name, "title": t.title, "prompt": t.prompt, "system": t.system,
            "description": t.description, "temperature": t.temperature, "max_new_tokens": t.max_new_tokens,
            "fields": [f.__dict__ for f in t.fields]}


def template_from_dict(data: Mapping) -> ContentTemplate:
    try:
        fields = tuple(TemplateField(**{k: v for k, v in f.items() if k in TemplateField.__dataclass_fields__})
                       for f in data.get("fields", []))
        t = ContentTemplate(name=str(data["name"]), title=str(data.get("title") or data["name"]),
                            prompt=str(data["prompt"]), fields=fields, system=str(data.get("system", "")),
                            description=str(data.get("description", "")),
                            temperature=float(data.get("temperature", 0.7)),
                            max_new_tokens=int(data.get("max_new_tokens", 300)))
    except (AttributeError, KeyError, TypeError, ValueError) as exc:  # AttributeError: JSON that is not an object
        raise StudioError(_("Not a text template ({exc}).").format(exc=exc)) from exc
    return with_default_fields(t)


def with_default_fields(t: ContentTemplate) -> ContentTemplate:
    """The template with a field definition for every placeholder that lacks one."""
    known = {f.name for f in t.fields}
    extra = tuple(TemplateField(n, n.replace("_", " ").capitalize()) for n in t.field_names() if n not in known)
    return ContentTemplate(**{**t.__dict__, "fields": t.fields + extra}) if extra else t


class TemplateStore:
    """Built-in templates plus the user's own, saved as JSON under the studio home."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    @classmethod
    def for_paths(cls, paths: StudioPaths) -> "TemplateStore":
        return cls(paths.root / "text_templates")

    def user_templates(self) -> list[ContentTemplate]:
        out = []
        if self.folder.is_dir():
            for f in sorted(self.folder.glob("*.json")):
                try:
                    out.append(template_from_dict(json.loads(f.read_text(encoding="utf-8"))))
                except (OSError, ValueError, StudioError) as exc:
                    log.warning("skipping unreadable template %s: %s", f, exc)
        return out

    def all(self) -> list[ContentTemplate]:
        """Built-ins first (a user template with the same name replaces one), then the user's."""
        user = {t.name: t for t in self.user_templates()}
        out = [user.pop(t.name, t) for t in builtin_templates()]
        return out + list(user.values())

    def get(self, name: str) -> ContentTemplate:
        for t in self.all():
            if t.name == name:
                return t
        raise StudioError(_("No text template named {name!r}.").format(name=name))

    def save(self, template: ContentTemplate) -> ContentTemplate:
        """Validate and save a user template (its name becomes the file name)."""
        if not _NAME_RE.match(template.name):
            raise SpecError(_("A template name uses lowercase letters, digits, - and _ (e.g. my_template)."))
        if not template.prompt.strip():
            raise SpecError(_("The template's prompt is empty."))
        template = with_default_fields(template)
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(self.folder / f"{template.name}.json",
                          json.dumps(template_to_dict(template), ensure_ascii=False, indent=1))
        return template

    def delete(self, name: str) -> None:
        if _NAME_RE.match(name):
            (self.folder / f"{name}.json").unlink(missing_ok=True)
