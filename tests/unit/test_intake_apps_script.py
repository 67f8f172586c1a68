"""The Google Forms Apps Script, run under Node with stand-ins for Apps Script's services: what it
posts must verify and parse on Veille's side, non-ASCII answers included."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from chalicelib.intake.providers import google_forms
from chalicelib.intake.signing import lower_keys

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "google-forms" / "veille.gs"
SECRET = "gs-secret-é"
HARNESS = r"""
const crypto = require('crypto');
const fs = require('fs');
const posted = [];
const props = {VEILLE_WEBHOOK_URL: 'https://veille.example/api/webhooks/google-forms',
               VEILLE_WEBHOOK_SECRET: __SECRET__};
global.console = {log() {}, warn() {}, error() {}};
global.PropertiesService = {getScriptProperties: () => ({
  getProperty: (k) => props[k] || null, setProperty: (k, v) => { props[k] = v; }, getProperties: () => ({...props}),
  deleteProperty: (k) => { delete props[k]; }})};
class Blob { constructor(s) { this.b = Buffer.from(s || '', 'utf8'); }
  setDataFromString(s, cs) { this.b = Buffer.from(s, cs === 'UTF-8' ? 'utf8' : 'latin1'); return this; }
  getBytes() { return Array.from(this.b); } }
global.Utilities = {
  newBlob: (s) => new Blob(s),
  computeHmacSha256Signature: (v, k) =>
    Array.from(crypto.createHmac('sha256', Buffer.from(k)).update(Buffer.from(v)).digest()),
  base64Encode: (bytes) => Buffer.from(bytes).toString('base64'), sleep() {}};
let codes = __STATUS__;
global.UrlFetchApp = {fetch: (url, o) => { posted.push({url, headers: o.headers, contentType: o.contentType,
  body: Buffer.from(o.payload).toString('base64')}); return {getResponseCode: () => codes.shift() || 200}; }};
const item = (id, title, type, response, rows) => ({getItem: () => ({getId: () => id, getTitle: () => title,
  getType: () => type, asGridItem: () => ({getRows: () => rows}), asCheckboxGridItem: () => ({getRows: () => rows})}),
  getResponse: () => response});
const form = {getId: () => 'form-1', getTitle: () => 'Avis « Kanbo »'};
const response = {getId: () => 'resp-42', getTimestamp: () => new Date('2026-11-21T08:19:37Z'),
  getRespondentEmail: () => 'julien@example.fr', getItemResponses: () => [
    item(1, 'Votre question', 'PARAGRAPH_TEXT', 'Export CSV des sous-tâches ? 🙂'),
    item(2, 'Plateformes', 'CHECKBOX', ['Web', 'Android']),
    item(3, 'Notez Kanbo', 'GRID', ['Bien', null, 'Moyen'], ['Vitesse', 'Prix', 'Support']),
    item(4, 'Vous l’utilisez', 'CHECKBOX_GRID', [['Web', 'Mobile'], null], ['Au bureau', 'En déplacement']),
    // an unanswered first row comes as '', and the answers stop at the last row answered
    item(5, 'Le support', 'GRID', ['', 'Lent'], ['Par e-mail', 'Par chat', 'Par téléphone'])]};
eval(fs.readFileSync(__SCRIPT__, 'utf8'));
onFormSubmit({source: form, response: response});
process.stdout.write(JSON.stringify({posted, pending: Object.keys(props).filter(k => k.startsWith('pending:'))}));
"""


def run_script(status_codes: list[int]) -> dict[str, object]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    harness = HARNESS
    for placeholder, value in (("__SECRET__", SECRET), ("__SCRIPT__", str(SCRIPT)), ("__STATUS__", status_codes)):
        harness = harness.replace(placeholder, json.dumps(value))
    done = subprocess.run([node, "-e", harness], capture_output=True, text=True, timeout=30, check=True)
    return json.loads(done.stdout)


def test_what_the_script_posts_verifies_and_parses() -> None:
    # When a response is submitted and Veille answers 200
    result = run_script([200])
    [post] = result["posted"]
    body = base64.b64decode(post["body"])
    headers = lower_keys({**post["headers"], "Content-Type": post["contentType"]})
    # Then the signature covers the exact bytes sent, and Veille reads the response from them
    google_forms.verify(body, headers, SECRET, datetime.now(UTC))
    delivery = google_forms.parse(body, headers["content-type"])
    assert delivery.response_id == "resp-42"
    assert delivery.form_name == "Avis « Kanbo »"
    assert delivery.author_email == "julien@example.fr"
    # each grid answer keeps its row's label; a row left unanswered is left out and shifts no other answer
    assert delivery.body_text().splitlines() == [
        "Votre question: Export CSV des sous-tâches ? 🙂",
        "Plateformes: Web, Android",
        "Notez Kanbo › Vitesse: Bien",
        "Notez Kanbo › Support: Moyen",
        "Vous l’utilisez › Au bureau: Web, Mobile",
        "Le support › Par chat: Lent",
    ]
    # the script sends each grid answer beside its row, every row included
    support = json.loads(body)["answers"][4]["response"]
    assert support == [
        {"row": "Par e-mail", "answer": None},
        {"row": "Par chat", "answer": "Lent"},
        {"row": "Par téléphone", "answer": None},
    ]
    assert result["pending"] == []


def test_an_unreachable_veille_keeps_the_response_for_retry_and_a_malformed_one_is_not_queued() -> None:
    assert run_script([503, 503, 503])["pending"] == ["pending:resp-42"]
    assert run_script([401])["pending"] == ["pending:resp-42"]
    assert run_script([400])["pending"] == []
