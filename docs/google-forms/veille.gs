/**
 * Veille for Google Forms: posts every response to Veille, signed, so nothing is lost or forged.
 *
 * Google Forms has no webhook of its own; this Apps Script, bound to the form, is one. For each
 * response it POSTs JSON to  <your Veille API>/webhooks/google-forms  with the header
 *   X-Form-Signature: sha256=<base64 HMAC-SHA256 of the exact UTF-8 body, keyed with your secret>
 * Veille answers 401 to anything not signed with the same secret (VEILLE_GOOGLE_FORMS_SECRET).
 *
 * Install (once per form, about two minutes):
 *   1. Open the form > ⋮ (More) > Apps Script. Replace the editor's content with this file. Save.
 *   2. Project Settings (gear) > Script Properties > Add:
 *        VEILLE_WEBHOOK_URL     https://<api-id>.execute-api.<region>.amazonaws.com/api/webhooks/google-forms
 *        VEILLE_WEBHOOK_SECRET  the same value as VEILLE_GOOGLE_FORMS_SECRET in Veille
 *   3. Editor > select the function `install` > Run, and accept the permissions it asks for
 *      (read this form, connect to an external service, run when you are away).
 *   4. Select `sendLatest` > Run: the form's latest response is posted; Executions shows the answer
 *      (200 {"stored": true, ...}, or {"stored": false} if Veille already had it).
 *
 * Delivery is at least once: a response that cannot be delivered (Veille down, 5xx, 429) is kept in
 * the script's properties and re-sent every 15 minutes by `retryPending`. Veille stores a response
 * once, by its response id, however many times it arrives.
 */

var PENDING_PREFIX = 'pending:';
var MAX_PENDING_BYTES = 8500; // a script property holds at most 9 KB

/** Trigger: runs on each form submission (installed by `install`). */
function onFormSubmit(e) {
  deliver_(buildBody_(e.source, e.response));
}

/** Run once by hand: installs the submit trigger and the retry trigger (idempotent). */
function install() {
  var form = FormApp.getActiveForm();
  ScriptApp.getProjectTriggers().forEach(function (trigger) {
    var handler = trigger.getHandlerFunction();
    if (handler === 'onFormSubmit' || handler === 'retryPending') ScriptApp.deleteTrigger(trigger);
  });
  ScriptApp.newTrigger('onFormSubmit').forForm(form).onFormSubmit().create();
  ScriptApp.newTrigger('retryPending').timeBased().everyMinutes(15).create();
  settings_(); // fail now, not on the first response, if the properties are missing
  console.log('Veille: triggers installed for form ' + form.getId());
}

/** Run by hand to test the setup: posts the latest response. */
function sendLatest() {
  var form = FormApp.getActiveForm();
  var responses = form.getResponses();
  if (!responses.length) throw new Error('This form has no response yet: submit one first.');
  deliver_(buildBody_(form, responses[responses.length - 1]));
}

/** Trigger (every 15 minutes): re-sends what could not be delivered. */
function retryPending() {
  var store = PropertiesService.getScriptProperties();
  var all = store.getProperties();
  Object.keys(all).forEach(function (key) {
    if (key.indexOf(PENDING_PREFIX) !== 0) return;
    if (send_(all[key])) store.deleteProperty(key);
  });
}

function buildBody_(form, response) {
  return JSON.stringify({
    event_id: response.getId(),
    form_id: form.getId(),
    form_title: form.getTitle(),
    submitted_at: response.getTimestamp().toISOString(),
    email: response.getRespondentEmail() || null,
    answers: response.getItemResponses().map(function (itemResponse) {
      var item = itemResponse.getItem();
      var type = String(item.getType());
      var response = itemResponse.getResponse();
      // A grid answers row n at index n: send each answer with its row's label, so none is read against
      // another row when one is left unanswered.
      if (type === 'GRID') response = rowAnswers_(item.asGridItem().getRows(), response);
      if (type === 'CHECKBOX_GRID') response = rowAnswers_(item.asCheckboxGridItem().getRows(), response);
      return { id: item.getId(), title: item.getTitle(), type: type, response: response };
    })
  });
}

/**
 * A grid's answers as [{row, answer}], one per row in the form's order. getResponse() gives the answer to
 * row n at index n ('' or null for a row left unanswered, sent as null); an answer past the last row
 * (a row deleted since) is kept with row null.
 */
function rowAnswers_(rows, response) {
  var answers = response || [];
  var pairs = [];
  for (var n = 0; n < Math.max(rows.length, answers.length); n++) {
    var answer = n < answers.length ? answers[n] : null;
    pairs.push({ row: n < rows.length ? rows[n] : null, answer: answer === '' || answer == null ? null : answer });
  }
  return pairs;
}

function deliver_(body) {
  if (send_(body)) return;
  var id = JSON.parse(body).event_id;
  if (Utilities.newBlob(body).getBytes().length > MAX_PENDING_BYTES) {
    console.error('Veille: response ' + id + ' could not be delivered and is too large to queue; ' +
                  'run sendLatest once Veille is reachable.');
    return;
  }
  PropertiesService.getScriptProperties().setProperty(PENDING_PREFIX + id, body);
  console.warn('Veille: response ' + id + ' queued; retryPending will re-send it.');
}

/** POSTs one body, signed; true when Veille has it (2xx), false when it is worth retrying later. */
function send_(body) {
  var config = settings_();
  // Sign and send the very same UTF-8 bytes: Veille checks the HMAC over the raw body it receives.
  var bytes = Utilities.newBlob('').setDataFromString(body, 'UTF-8').getBytes();
  var key = Utilities.newBlob('').setDataFromString(config.secret, 'UTF-8').getBytes();
  var signature = Utilities.base64Encode(Utilities.computeHmacSha256Signature(bytes, key));
  for (var attempt = 0; attempt < 3; attempt++) {
    var code;
    try {
      code = UrlFetchApp.fetch(config.url, {
        method: 'post',
        contentType: 'application/json; charset=utf-8',
        payload: bytes,
        headers: { 'X-Form-Signature': 'sha256=' + signature },
        muteHttpExceptions: true,
        followRedirects: false
      }).getResponseCode();
    } catch (err) {
      code = 0; // network error
    }
    if (code >= 200 && code < 300) return true;
    if (code === 400 || code === 413 || code === 415) {
      // This body will never be accepted as it is: say why, and do not queue it forever.
      console.error('Veille refused the response with HTTP ' + code + ' (malformed or too large).');
      return true;
    }
    if (code === 401 || code === 404) {
      // A setup problem (wrong secret or URL, provider not enabled): keep the response until it is fixed.
      console.error('Veille answered HTTP ' + code + ': check VEILLE_WEBHOOK_URL and VEILLE_WEBHOOK_SECRET.');
      return false;
    }
    Utilities.sleep(1000 * Math.pow(2, attempt));
  }
  return false;
}

function settings_() {
  var props = PropertiesService.getScriptProperties();
  var url = props.getProperty('VEILLE_WEBHOOK_URL');
  var secret = props.getProperty('VEILLE_WEBHOOK_SECRET');
  if (!url || !secret) {
    throw new Error('Set the script properties VEILLE_WEBHOOK_URL and VEILLE_WEBHOOK_SECRET ' +
                    '(Project Settings > Script Properties).');
  }
  return { url: url, secret: secret };
}
