"""The Text workspace: chat and completion with a local LLM, streamed live through the job queue.

Construct ``TextWorkspace(pool, paths, models)`` (all optional: the main window builds it on its session,
whose model scans fill the list, and calls ``bind(pool)`` once the job pool runs; ``set_models(entries)``
refreshes the model list). Every answer is a TextSpec job in the shared queue; its handle's ``text`` chunks are
appended to the view as they arrive. Chats are saved under the studio home after every answer.
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Iterator, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QMessageBox,
                               QPlainTextEdit, QProgressBar, QPushButton, QSplitter, QTabWidget, QVBoxLayout,
                               QWidget)

from studio.core.conversations import Conversation, ConversationStore, new_conversation
from studio.core.errors import StudioError
from studio.core.progress import describe_load
from studio.core.paths import StudioPaths
from studio.core.models.registry import TEXT_TYPES, ModelEntry
from studio.core.results import JobResult, TextResult
from studio.core.specs.text import TextSpec
from studio.core.text_templates import ContentTemplate, TemplateStore
from studio.jobs.api import JobHandle, JobPool
from studio.ui.staged import finish
from studio.ui.text_chat import ChatInput, ChatView
from studio.ui.text_completion import CompletionEditor
from studio.ui.text_language_note import LanguageNote, chinese_model_instead, chinese_models_dialog, languages_of
from studio.ui.text_templates_dialog import TemplateSettingsQuestion
from studio.ui.text_controls import SamplingControls
from studio.ui.text_understand import UnderstandPanel

if TYPE_CHECKING:
    from studio.ui.session import StudioSession

CONTEXT_WARNING = 0.9  # warn when this share of the context is used


class TextWorkspace(QWidget):
    """Chat and Completion modes, sampling controls, live figures and the saved conversations."""

    conversation_saved = Signal(str)  # conversation id
    answer_finished = Signal(int, object)  # job id, TextResult (after the view and the file are updated)

    def __init__(self, pool: JobPool | None = None, paths: StudioPaths | None = None,
                 models: Sequence[ModelEntry] = (), parent: QWidget | None = None,
                 session: StudioSession | None = None, later: bool = False) -> None:
        """``models``: the list to offer without a ``session`` (whose scans fill it); ``later``: see :attr:`parts`."""
        super().__init__(parent)
        self.setObjectName("TextWorkspace")
        self.paths = paths or (session.paths if session is not None else StudioPaths.from_env())
        self.pool: JobPool | None = None
        self.store = ConversationStore.for_paths(self.paths)
        self.templates = TemplateStore.for_paths(self.paths)
        self.conversation: Conversation = new_conversation()
        self.job: JobHandle | None = None
        """The answer being written, None when idle."""
        self._job_mode = ""
        self._answer_prefix = ""
        self._job_started = 0.0
        self._first_text_at: float | None = None
        self._tokens_done = self._last_used = self._context = 0
        self.parts = self._build(pool, models, session)  # with ``later`` the caller runs it, a part per turn
        if not later:
            finish(self.parts)

    # -- layout --------------------------------------------------------------------------------
    def _build(self, pool: JobPool | None, models: Sequence[ModelEntry], session: StudioSession | None
               ) -> Iterator[None]:
        """The widgets in five parts (a few ms each), then the conversations, the models and the pool."""
        split = QSplitter(Qt.Orientation.Horizontal, self)
        QVBoxLayout(self).addWidget(split)
        self.layout().setContentsMargins(0, 0, 0, 0)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.addWidget(QLabel(self.tr("Conversations")))
        self.conversation_list = QListWidget()
        self.conversation_list.setObjectName("conversation_list")
        self.conversation_list.itemActivated.connect(self._on_conversation_chosen)
        self.conversation_list.itemClicked.connect(self._on_conversation_chosen)
        lv.addWidget(self.conversation_list, 1)
        row = QHBoxLayout()
        self.new_button = QPushButton(self.tr("New chat"))
        self.new_button.clicked.connect(self.new_chat)
        self.delete_button = QPushButton(self.tr("Delete"))
        self.delete_button.clicked.connect(self.delete_conversation)
        row.addWidget(self.new_button)
        row.addWidget(self.delete_button)
        lv.addLayout(row)
        yield

        self.modes = QTabWidget()
        self.modes.setObjectName("text_modes")
        chat = QWidget()
        cv = QVBoxLayout(chat)
        self.system_edit = QPlainTextEdit()
        self.system_edit.setPlaceholderText(self.tr("System prompt (optional): how the assistant should behave"))
        self.system_edit.setFixedHeight(52)
        cv.addWidget(self.system_edit)
        self.chat_view = ChatView()
        self.chat_view.edit_finished.connect(self._on_message_edited)
        self.chat_view.alternative_changed.connect(lambda _i: self._save())  # the answer shown is the one kept
        cv.addWidget(self.chat_view, 1)
        self.chat_input = ChatInput()
        self.chat_input.setObjectName("chat_input")
        self.chat_input.setPlaceholderText(self.tr("Type a message; Enter sends, Shift+Enter for a new line"))
        self.chat_input.setFixedHeight(70)
        self.chat_input.send_requested.connect(self.send)
        cv.addWidget(self.chat_input)
        bar = QHBoxLayout()
        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.clicked.connect(self.send)
        self.stop_button = QPushButton(self.tr("Stop"))
        self.stop_button.setToolTip(self.tr("Stop the answer being written (what was written is kept)"))
        self.stop_button.clicked.connect(self.stop)
        self.regenerate_button = QPushButton(self.tr("Regenerate"))
        self.regenerate_button.setToolTip(self.tr("Write the last answer again (with a new seed unless it is fixed)"))
        self.regenerate_button.clicked.connect(self.regenerate)
        self.templates_button = QPushButton(self.tr("Templates…"))
        self.templates_button.setToolTip(self.tr("Marketing copy, product description, story, poem, ..."))
        self.templates_button.clicked.connect(self.open_templates)
        for b in (self.templates_button, self.regenerate_button, self.stop_button, self.send_button):
            bar.addWidget(b)
        bar.insertStretch(1, 1)
        cv.addLayout(bar)
        self.modes.addTab(chat, self.tr("Chat"))
        yield

        comp = QWidget()
        pv = QVBoxLayout(comp)
        self.completion = CompletionEditor()
        self.completion.continue_requested.connect(self.continue_completion)
        pv.addWidget(self.completion, 1)
        cbar = QHBoxLayout()
        cbar.addStretch(1)
        self.completion_stop_button = QPushButton(self.tr("Stop"))
        self.completion_stop_button.clicked.connect(self.stop)
        self.continue_button = QPushButton(self.tr("Continue"))
        self.continue_button.setToolTip(self.tr("The model continues the text at the cursor (Ctrl+Enter)"))
        self.continue_button.clicked.connect(self.continue_completion)
        cbar.addWidget(self.completion_stop_button)
        cbar.addWidget(self.continue_button)
        pv.addLayout(cbar)
        self.modes.addTab(comp, self.tr("Completion"))
        self.understand = UnderstandPanel()
        self.modes.addTab(self.understand, self.tr("Understand"))
        yield

        right = QWidget()
        rv = QVBoxLayout(right)
        rv.addWidget(QLabel(self.tr("Model")))
        self.model_combo = QComboBox()
        self.model_combo.setObjectName("text_model")
        self.model_combo.setToolTip(self.tr("Any transformers causal-LM folder or GGUF file in your models folder"))
        self.model_combo.addItem(self.tr("Default (built-in SmolLM2-135M-Instruct)"), "")
        rv.addWidget(self.model_combo)
        self.language_panel = LanguageNote()
        self.language_note = self.language_panel.languages_label
        self.language_panel.chinese_models_requested.connect(self.open_chinese_models)
        rv.addWidget(self.language_panel)
        self._text_entries: dict[str, ModelEntry] = {}
        for signal in (self.model_combo.currentIndexChanged, self.chat_input.textChanged,
                       self.completion.textChanged, self.modes.currentChanged):
            signal.connect(self._show_model_languages)
        self._show_model_languages()
        self.controls = SamplingControls()
        rv.addWidget(self.controls)
        self.speed_label = QLabel(self.tr("– tokens/s"))
        self.speed_label.setObjectName("speed_label")
        rv.addWidget(self.speed_label)
        self.context_bar = QProgressBar()
        self.context_bar.setObjectName("context_bar")
        self._reset_context_bar()
        self.context_bar.setToolTip(self.tr("Tokens used by this conversation / the most the model can read"))
        rv.addWidget(self.context_bar)
        self.context_warning = QLabel()
        self.context_warning.setWordWrap(True)
        self.context_warning.setStyleSheet("color: #b9770e;")
        rv.addWidget(self.context_warning)
        self.status_label = QLabel()
        self.status_label.setObjectName("text_status")
        self.status_label.setWordWrap(True)
        rv.addWidget(self.status_label)
        rv.addStretch(1)
        yield

        split.addWidget(left)
        split.addWidget(self.modes)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([200, 640, 260])
        self._set_busy(False)
        self.refresh_conversations()
        if session is not None:
            session.follow_models(self.set_models)
        else:
            self.set_models(models)
        if pool is not None:
            self.bind(pool)

    # -- pool and models -------------------------------------------------------------------------
    def bind(self, pool: JobPool) -> None:
        """Use ``pool`` for the answers (each answer's handle brings its text)."""
        if self.pool is pool:
            return
        self.pool = pool
        self.understand.bind(pool)

    def set_models(self, models: Sequence[ModelEntry]) -> None:
        """Fill the model list from a scan's entries (the usable text models)."""
        current = self.model_combo.currentData()
        self.understand.set_models(models)
        names = []
        for m in models:
            if m.type in TEXT_TYPES and m.usable:
                names.append(m.name)
                self._text_entries[m.name] = m
        self.model_combo.blockSignals(True)
        while self.model_combo.count() > 1:
            self.model_combo.removeItem(1)
        for n in dict.fromkeys(names):
            self.model_combo.addItem(n, n)
        self.model_combo.blockSignals(False)
        i = self.model_combo.findData(current)
        self.model_combo.setCurrentIndex(max(0, i))

    def model_name(self) -> str:
        return str(self.model_combo.currentData() or "")

    def _show_model_languages(self, *_args: object) -> None:
        """The languages the model reads; a note when the prompt is Chinese and the model reads English only."""
        sent = [t for r, t in self.chat_view.messages() if r == "user"][-1:]  # else the last message sent
        prompt = self.completion.toPlainText() if self.modes.currentIndex() == 1 else (
            self.chat_input.toPlainText() or "".join(sent))
        name = self.model_name()
        self.language_panel.update_for(name, languages_of(self._text_entries.get(name)), prompt)

    def open_chinese_models(self) -> None:
        """The Download dialog, showing the recommended Chinese-capable models (nothing fetched unasked)."""
        self.download_dialog = chinese_models_dialog(self, self.paths, lambda: self.pool)
        self.download_dialog.show()

    def set_model(self, name: str) -> None:
        """Select the text model ``name`` (added to the list when a scan has not listed it yet)."""
        i = self.model_combo.findData(name)
        if i < 0:
            self.model_combo.addItem(name, name)
            i = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(i)

    # -- chat actions ----------------------------------------------------------------------------
    def send(self) -> None:
        text = self.chat_input.toPlainText().strip()
        if not text:
            self._status(self.tr("Type a message first."), error=True)
            return
        if self.job is not None:
            self._status(self.tr("Wait for the answer to finish, or press Stop."), error=True)
            return
        self.chat_view.add_message("user", text)
        self.chat_input.clear()
        self._ask()

    def _ask(self, continue_last: bool = False) -> None:
        """Queue an answer to the conversation in the view (continuing the last answer if asked)."""
        messages = tuple(self.chat_view.messages())
        if not continue_last:
            self.chat_view.add_message("assistant", "")
        spec = TextSpec(model=self.model_name(), system=self.system_edit.toPlainText().strip(), messages=messages,
                        chat=True, **self.controls.spec_kwargs(self.controls.next_seed()))
        self._submit(spec, "chat")

    def regenerate(self) -> None:
        """Answer the last turn again; the earlier answer stays one click away (‹ 1/2 ›)."""
        if self.job is not None:
            return
        msgs = self.chat_view.messages()
        last = self.chat_view.last()
        if not msgs or last is None:
            return
        if last.role != "assistant":
            self._ask()
            return
        if len(msgs) < 2:
            return
        last.begin_alternative()
        spec = TextSpec(model=self.model_name(), system=self.system_edit.toPlainText().strip(),
                        messages=tuple(msgs[:-1]), chat=True, **self.controls.spec_kwargs(self.controls.next_seed()))
        self._submit(spec, "chat")

    def _on_message_edited(self, index: int, text: str) -> None:
        if self.job is not None:
            return
        self.chat_view.truncate(index + 1)
        role = self.chat_view.messages()[index][0]
        self._save()
        self._ask(continue_last=(role == "assistant"))

    def stop(self) -> None:
        if self.job is not None and self.pool is not None:
            self.pool.cancel(self.job.job_id)
            self._status(self.tr("Stopping…"))

    # -- completion ------------------------------------------------------------------------------
    def continue_completion(self) -> None:
        if self.job is not None:
            return
        prompt = self.completion.prompt_before_cursor()
        if not prompt.strip():
            self._status(self.tr("Write the beginning of the text first."), error=True)
            return
        spec = TextSpec(model=self.model_name(), prompt=prompt, chat=False,
                        **self.controls.spec_kwargs(self.controls.next_seed()))
        if self._submit(spec, "completion"):
            self.completion.begin_insert()

    # -- templates -------------------------------------------------------------------------------
    def open_templates(self) -> None:
        from studio.ui.text_templates_dialog import TemplatesDialog

        dlg = TemplatesDialog(self.templates, self)
        if dlg.exec() and dlg.result_template is not None:
            self.apply_template(dlg.result_template, dlg.result_prompt, dlg.target)

    def template_changes(self, template: ContentTemplate, target: str) -> list[tuple[str, str, str]]:
        """(setting, yours, the template's) for each setting the template would change."""
        values = self.controls.values()
        out = []
        if round(float(template.temperature), 4) != values["temperature"]:
            out.append((self.tr("Temperature"), f"{values['temperature']:g}", f"{template.temperature:g}"))
        if int(template.max_new_tokens) != values["max_new_tokens"]:
            out.append((self.tr("Max new tokens"), str(values["max_new_tokens"]), str(template.max_new_tokens)))
        system = self.system_edit.toPlainText().strip()
        if target == "chat" and template.system and template.system.strip() != system:
            out.append((self.tr("System prompt"), system or self.tr("(none)"), template.system.strip()))
        return out

    def ask_template_settings(self, template: ContentTemplate, changes: list[tuple[str, str, str]]) -> str:
        """Ask before a template changes the user's settings: "template", "mine" or "cancel"."""
        return TemplateSettingsQuestion(self, template.title, changes).ask()

    def apply_template(self, template: ContentTemplate, prompt: str, target: str) -> bool:
        """Use a rendered template: as a chat message (sent), or as the start of a completion document.

        A template never changes the system prompt, temperature or Max new tokens silently: when it
        would, the user chooses (the template's, theirs, or cancel) and the status line says what was used.
        """
        changes = self.template_changes(template, target)
        choice = self.ask_template_settings(template, changes) if changes else "mine"
        if choice == "cancel":
            return False
        if choice == "template":
            values = self.controls.values()
            values.update(temperature=template.temperature, max_new_tokens=template.max_new_tokens)
            self.controls.set_values(values)
            if target == "chat" and template.system:
                self.system_edit.setPlainText(template.system)
        if target == "completion":
            self.modes.setCurrentIndex(1)
            self.completion.setPlainText(prompt + "\n\n")
            self.completion.moveCursor(self.completion.textCursor().MoveOperation.End)
        else:
            self.modes.setCurrentIndex(0)
            self.chat_input.setPlainText(prompt)
            pick = chinese_model_instead(self.model_name(), self._text_entries, prompt)
            if pick:  # a template asked in Chinese goes to a model that reads Chinese when one is installed
                self.set_model(pick)
            self.send()
        if changes:
            used = self.tr("the template's settings") if choice == "template" else self.tr("your settings")
            self._status(self.tr("Template “{0}” with {1}: {2}").format(
                template.title, used, ", ".join(name for name, _m, _t in changes)))
        return True

    # -- jobs ------------------------------------------------------------------------------------
    def _submit(self, spec: TextSpec, mode: str) -> bool:
        self._job_mode = mode  # so that a refused job drops its empty answer bubble
        if self.pool is None:
            self._status(self.tr("The engine is still starting; try again in a moment."), error=True)
            self._drop_empty_answer()
            self._job_mode = ""
            return False
        try:
            job = self.pool.submit(spec)
        except StudioError as exc:
            self._status(str(exc), error=True)
            self._drop_empty_answer()
            self._job_mode = ""
            return False
        self.job = job
        job.text.connect(self._on_text)
        job.progress.connect(self._on_progress)
        job.load.connect(lambda what, done, total, eta: self._status(describe_load(what, done, total, eta)))
        job.finished.connect(self._on_finished)
        job.failed.connect(self._on_failed)
        job.cancelled.connect(self._on_cancelled)
        last = self.chat_view.last()
        self._answer_prefix = last.text() if mode == "chat" and last is not None else ""
        self._job_started = time.monotonic()
        self._first_text_at = None
        self._tokens_done = 0
        self._status(self.tr("Queued… the model loads on first use."))
        self._set_busy(True)
        return True

    def _on_text(self, chunk: str) -> None:
        if self._first_text_at is None:
            self._first_text_at = time.monotonic()
            self._status(self.tr("Writing…"))
        if self._job_mode == "chat":
            last = self.chat_view.last()
            if last is not None:
                last.append(chunk)
        else:
            self.completion.insert_streamed(chunk)

    def _on_progress(self, done: int, total: int, eta: float) -> None:
        if self._first_text_at is None:
            # Before the first token the progress is the model load (steps), not tokens.
            self._status(self.tr("Loading the model / reading the prompt… ({0}/{1})").format(done, total))
            return
        self._tokens_done = done
        dt = time.monotonic() - self._first_text_at
        if dt > 0.2 and done > 1:
            self.speed_label.setText(self.tr("{0:.1f} tokens/s").format(done / (dt + 1e-9)))
        if self._context:
            self._show_context(self._last_used + done, self._context)

    def _on_finished(self, result: JobResult) -> None:
        job_id = self.job.job_id if self.job is not None else -1
        finish = ""
        if isinstance(result, TextResult):
            finish = result.finish
            if result.tokens_per_s:  # with what the weights computed in (float32, bfloat16, int8 dynamic)
                self.speed_label.setText(" · ".join(filter(None, (
                    self.tr("{0:.1f} tokens/s").format(result.tokens_per_s), result.precision))))
            if result.runner:  # llama.cpp (GGUF) or transformers
                self.speed_label.setToolTip(self.tr("Run by {0}").format(result.runner))
            if result.context_length:
                self._context = result.context_length
                self._last_used = result.tokens_used
                self._show_context(self._last_used, self._context)
        last = self.chat_view.last()
        if self._job_mode == "chat" and last is not None and last.role == "assistant":
            # The view already holds the streamed text; this makes it exactly the engine's answer.
            final = self._answer_prefix + result.text
            if last.text() != final:
                last.set_text(final)
            if finish == "repetition":
                last.status.setText(self.tr("(stopped: it was repeating itself)"))
        elif finish == "repetition" and isinstance(result, TextResult):
            self.completion.replace_streamed(result.text)
        note = {"length": self.tr("Stopped at the token limit."), "stop": self.tr("Stopped at a stop text."),
                "repetition": self.tr("The answer began repeating itself and was stopped.")}
        self._status(note.get(finish, self.tr("Done.")))
        self._show_model_languages()
        self._end_job()
        self.answer_finished.emit(job_id, result)

    def _on_failed(self, message: str) -> None:
        self._status(message, error=True)
        self._drop_empty_answer()
        self._end_job()

    def _on_cancelled(self) -> None:
        last = self.chat_view.last()
        if self._job_mode == "chat" and last is not None and last.role == "assistant":
            last.status.setText(self.tr("(stopped)"))
        self._drop_empty_answer()
        self._status(self.tr("Stopped."))
        self._end_job()

    def _end_job(self) -> None:
        mode = self._job_mode
        self.job = None
        self._job_mode = ""
        self.completion.end_insert()
        self._set_busy(False)
        if mode == "chat":
            self._save()

    def _drop_empty_answer(self) -> None:
        last = self.chat_view.last()
        if self._job_mode == "chat" and last is not None and last.role == "assistant" and not last.text():
            if not last.drop_alternative():  # a failed Regenerate leaves the earlier answer shown
                self.chat_view.truncate(len(self.chat_view.messages()) - 1)

    def _set_busy(self, busy: bool) -> None:
        for b in (self.send_button, self.regenerate_button, self.continue_button, self.templates_button,
                  self.new_button, self.delete_button):
            b.setEnabled(not busy)
        self.stop_button.setEnabled(busy)
        self.completion_stop_button.setEnabled(busy)
        self.conversation_list.setEnabled(not busy)
        self.chat_view.set_busy(busy)

    def _reset_context_bar(self) -> None:
        """Before the first answer the model's context length is not known yet: say so, not '0 / 1'."""
        self.context_bar.setRange(0, 1)
        self.context_bar.setValue(0)
        self.context_bar.setFormat(self.tr("Context: known after the first answer"))

    def _show_context(self, used: int, context: int) -> None:
        self.context_bar.setFormat(self.tr("%v / %m tokens of context"))
        self.context_bar.setRange(0, max(1, context))
        self.context_bar.setValue(min(used, context))
        if used >= CONTEXT_WARNING * context:
            self.context_warning.setText(self.tr(
                "This conversation uses {0} of the model's {1} tokens of context: the oldest messages will "
                "be left out of the next answers. Start a new chat to keep everything in view.").format(used, context))
        else:
            self.context_warning.clear()

    def _status(self, text: str, error: bool = False) -> None:
        self.status_label.setStyleSheet("color: #c0392b;" if error else "")
        self.status_label.setText(text)

    # -- conversations ---------------------------------------------------------------------------
    def _save(self) -> None:
        messages = tuple(self.chat_view.messages())
        if not messages:
            return
        last = self.chat_view.last()
        answers = tuple(last.alternatives()) if last is not None and last.role == "assistant" else ()
        self.conversation = self.store.save(Conversation(
            id=self.conversation.id, title=self.conversation.title, model=self.model_name(),
            system=self.system_edit.toPlainText(), messages=messages, settings=self.controls.values(),
            mode="chat", created=self.conversation.created, updated=self.conversation.updated,
            last_answers=answers if len(answers) > 1 else (),
            last_answer_index=last.current_index() if len(answers) > 1 else 0))
        self.refresh_conversations()
        self.conversation_saved.emit(self.conversation.id)

    def refresh_conversations(self) -> None:
        self.conversation_list.blockSignals(True)
        self.conversation_list.clear()
        for conv in self.store.list():
            item = QListWidgetItem(conv.display_title())
            item.setData(Qt.ItemDataRole.UserRole, conv.id)
            item.setToolTip(time.strftime("%Y-%m-%d %H:%M", time.localtime(conv.updated)))
            self.conversation_list.addItem(item)
            if conv.id == self.conversation.id:
                item.setSelected(True)
        self.conversation_list.blockSignals(False)

    def _on_conversation_chosen(self, item: QListWidgetItem) -> None:
        cid = item.data(Qt.ItemDataRole.UserRole)
        if self.job is None and cid != self.conversation.id:
            self.open_conversation(cid)

    def open_conversation(self, cid: str) -> None:
        """Restore a saved chat exactly: messages, system prompt, model and settings."""
        try:
            conv = self.store.load(cid)
        except StudioError as exc:
            self._status(str(exc), error=True)
            return
        self.conversation = conv
        self.system_edit.setPlainText(conv.system)
        self.chat_view.set_messages(conv.messages)
        last = self.chat_view.last()
        if conv.last_answers and last is not None and last.role == "assistant":
            last.set_alternatives(list(conv.last_answers), conv.last_answer_index)  # ‹ 1/2 › comes back too
        self.controls.set_values(conv.settings)
        i = self.model_combo.findData(conv.model)
        if i < 0 and conv.model:
            self.model_combo.addItem(conv.model, conv.model)
            i = self.model_combo.count() - 1
        self.model_combo.setCurrentIndex(max(0, i))
        self.modes.setCurrentIndex(0)
        self._context = self._last_used = 0
        self.context_bar.setValue(0)
        self.context_warning.clear()
        self._status("")

    def new_chat(self) -> None:
        self.conversation = new_conversation()
        self.chat_view.clear()
        self.chat_input.clear()
        self._context = self._last_used = 0
        self._reset_context_bar()
        self.context_warning.clear()
        self.refresh_conversations()
        self.chat_input.setFocus()

    def delete_conversation(self) -> None:
        item = self.conversation_list.currentItem()
        if item is None:
            return
        cid = item.data(Qt.ItemDataRole.UserRole)
        if QMessageBox.question(self, self.tr("Delete conversation"),
                                self.tr("Delete “{0}”?").format(item.text())) != QMessageBox.StandardButton.Yes:
            return
        self.store.delete(cid)
        if cid == self.conversation.id:
            self.new_chat()
        self.refresh_conversations()
