"""Pure text-studio core: conversations on disk, content templates, prompt expansion specs."""
from __future__ import annotations

import json

import pytest

from studio.core.conversations import ConversationStore, new_conversation
from studio.core.errors import SpecError, StudioError
from studio.core.prompt_expansion import clean_expansion, expansion_spec
from studio.core.text_templates import BUILTIN_TEMPLATES, ContentTemplate, TemplateStore, render


def test_conversation_round_trip_is_exact(paths):
    store = ConversationStore.for_paths(paths)
    conv = new_conversation(model="SmolLM2-135M-Instruct", system="Be kind. ✓",
                            settings={"temperature": 0.3, "stop": ["\n\n"]})
    conv = conv.with_messages((("user", "Bonjour «monde»\nline 2"), ("assistant", "Salut !  ")))
    saved = store.save(conv)
    assert (paths.conversations / f"{conv.id}.json").is_file()
    assert store.load(conv.id) == saved
    assert saved.display_title() == "Bonjour «monde» line 2"


def test_conversations_are_listed_newest_first_and_can_be_deleted(paths):
    store = ConversationStore.for_paths(paths)
    a = store.save(new_conversation().with_messages((("user", "first"),)))
    b = store.save(new_conversation().with_messages((("user", "second"),)))
    store.save(a.with_messages(a.messages + (("assistant", "reply"),)))  # a is now the latest
    assert [c.id for c in store.list()] == [a.id, b.id]
    (paths.conversations / "broken.json").write_text("{not json")  # skipped, not fatal
    assert len(store.list()) == 2
    (paths.conversations / "a-list.json").write_text('["not", "a", "conversation"]')  # valid JSON, wrong shape
    assert len(store.list()) == 2
    with pytest.raises(StudioError, match="Not a saved conversation"):
        store.load("a-list")
    store.delete(b.id)
    assert [c.id for c in store.list()] == [a.id]
    with pytest.raises(StudioError, match="does not exist"):
        store.load(b.id)
    with pytest.raises(StudioError, match="Invalid conversation id"):
        store.load("../../etc/passwd")


def test_all_content_templates_exist_and_render():
    names = {t.name for t in BUILTIN_TEMPLATES}
    assert {"marketing_copy", "product_description", "story", "poem", "news_summary", "email_reply",
            "social_post"} <= names
    for t in BUILTIN_TEMPLATES:
        assert [f.name for f in t.fields] == t.field_names() or set(f.name for f in t.fields) == set(t.field_names())
        text = render(t, {f.name: f"<{f.name}>" for f in t.fields})
        assert "{" not in text and all(f"<{f.name}>" in text for f in t.fields)
    poem = next(t for t in BUILTIN_TEMPLATES if t.name == "poem")
    assert render(poem, {"form": "haiku", "topic": "rain", "mood": "calm"}) == "Write a haiku about rain. Mood: calm."
    with pytest.raises(SpecError, match="Fill in “Topic”"):
        render(poem, {"form": "haiku", "topic": " ", "mood": "calm"})


def test_user_templates_are_saved_listed_and_override_builtins(paths):
    store = TemplateStore.for_paths(paths)
    mine = store.save(ContentTemplate(name="tagline", title="Tagline", prompt="A tagline for {brand} in {words} words."))
    assert [f.name for f in mine.fields] == ["brand", "words"]  # fields made for the placeholders
    assert json.loads((paths.root / "text_templates" / "tagline.json").read_text())["title"] == "Tagline"
    again = TemplateStore.for_paths(paths)
    assert again.get("tagline").prompt == mine.prompt
    assert render(again.get("tagline"), {"brand": "Acme", "words": "5"}) == "A tagline for Acme in 5 words."
    store.save(ContentTemplate(name="poem", title="My poem", prompt="Rhyme about {thing}."))
    names = [t.name for t in again.all()]
    assert names.count("poem") == 1 and again.get("poem").title == "My poem"
    (paths.root / "text_templates" / "odd.json").write_text('"not a template"')  # valid JSON, wrong shape: skipped
    assert [t.name for t in again.all()] == names
    with pytest.raises(SpecError, match="template name"):
        store.save(ContentTemplate(name="Bad Name!", title="x", prompt="x"))
    with pytest.raises(SpecError, match="unbalanced brace"):
        store.save(ContentTemplate(name="broken", title="x", prompt="oops {"))
    store.delete("tagline")
    with pytest.raises(StudioError):
        again.get("tagline")


def test_expansion_spec_and_cleaning():
    spec = expansion_spec("  a cat   on a roof ", model="SmolLM2-135M-Instruct", seed=7)
    assert spec.chat and spec.model == "SmolLM2-135M-Instruct" and spec.seed == 7
    assert spec.messages[-1][1].startswith("Short idea: a cat on a roof")
    assert "image prompt" in spec.system
    spec.validate()
    with pytest.raises(SpecError, match="short prompt first"):
        expansion_spec("   ")
    assert clean_expansion('Here is the prompt: "a cat, sunset,\n golden light"') == "a cat, sunset, golden light"
    assert clean_expansion("Prompt: red fox in snow") == "red fox in snow"
    assert clean_expansion("plain words") == "plain words"
