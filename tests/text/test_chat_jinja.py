"""The GGUF chat-template renderer gives transformers' own rendering, and a GGUF chat never imports transformers."""
from __future__ import annotations

import subprocess
import sys

import pytest
from transformers.utils.chat_template_utils import render_jinja_template

from studio.engines.text.chat_jinja import render_chat_template
from tests.text.tiny_lm import smollm2_gguf

gguf = pytest.importorskip("gguf")

# Qwen2.5-Instruct's template without its tool branches (loop over messages, a default system prompt, tojson-free).
QWEN = ("{%- if messages[0]['role'] == 'system' %}{{- '<|im_start|>system\\n' + messages[0]['content'] + "
        "'<|im_end|>\\n' }}{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a "
        "helpful assistant.<|im_end|>\\n' }}{%- endif %}{%- for message in messages %}{%- if (message.role == "
        "\"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\") %}"
        "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}{%- endif %}"
        "{%- endfor %}{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")
# Loop controls, tojson (non-ASCII kept), raise_exception and a generation block, as newer templates use them.
FEATURES = ("{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('no tools') }}{% endif %}"
            "{% if loop.index > 3 %}{% break %}{% endif %}{{ m.role }}: {% generation %}{{ m.content | tojson }}"
            "{% endgeneration %}\n{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}")


def smollm2_template() -> str:
    field = gguf.GGUFReader(str(smollm2_gguf())).fields["tokenizer.chat_template"]
    return bytes(field.parts[field.data[0]]).decode()


CHATS = [
    [{"role": "user", "content": "Hi"}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "写一段关于春天的文案"}],
    [{"role": "user", "content": "Write a haiku"}, {"role": "assistant", "content": "Autumn moon  "}],
    [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "user", "content": "c"},
     {"role": "assistant", "content": "d, \"quoted\" 中文"}],
]


@pytest.mark.parametrize("name", ["smollm2", "qwen", "features"])
@pytest.mark.parametrize("chat", range(len(CHATS)))
def test_renders_as_transformers_does(name, chat):
    template = {"smollm2": smollm2_template, "qwen": lambda: QWEN, "features": lambda: FEATURES}[name]()
    messages = CHATS[chat]
    special = {"bos_token": "<|im_start|>", "eos_token": "<|im_end|>"}
    cont = messages[-1]["role"] == "assistant"
    for add in ((False,) if cont else (True, False)):
        def ours():
            return render_chat_template(template, messages, add_generation_prompt=add, continue_final_message=cont,
                                        **special)

        try:
            theirs = render_jinja_template([messages], chat_template=template, add_generation_prompt=add,
                                           continue_final_message=cont, **special)[0][0]
        except ValueError:  # the template drops the message to continue (FEATURES stops after 3): both refuse
            with pytest.raises(ValueError):
                ours()
            continue
        assert ours() == theirs


def test_template_errors_are_raised():
    with pytest.raises(Exception, match="no tools"):
        render_chat_template(FEATURES, [{"role": "tool", "content": "x"}])


def test_a_gguf_chat_does_not_import_transformers(tmp_path):
    code = f"""
import sys
from pathlib import Path
from studio.core.paths import StudioPaths
from studio.core.progress import CancelToken, NullReporter
from studio.core.settings import Settings
from studio.core.specs.text import TextSpec
from studio.engines.context import EngineContext
from studio.engines.text.generate import run
ctx = EngineContext.create(StudioPaths(Path({str(tmp_path)!r})), Settings(scan_hf_cache=False), device="cpu")
r = run(TextSpec(chat=True, messages=(("user", "Hi"),), max_new_tokens=4, temperature=0.0), NullReporter(),
        CancelToken(), ctx)
assert r.runner == "llama.cpp" and r.prompt_tokens > 10, r
print(sorted(m for m in ("transformers", "torch", "tokenizers") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
