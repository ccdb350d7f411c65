// Verify a receipt in the browser (issue 23): the signature with WebCrypto against the published keys, then its
// place in the receipt log with an RFC 9162 inclusion proof up to a checkpoint signed with the same key set.
// Nothing of the application leaves the browser; the log is asked only for the receipt's entry (a hash).
const form = document.getElementById("verify-receipt");
const result = document.getElementById("verify-result");
const lang = form ? form.getAttribute("data-lang") : "nl";
const T = {
  nl: {
    nothing: "Kies een PDF-bestand of plak een ondertekend ontvangstbewijs.",
    unreadable: "Dit is geen ondertekend ontvangstbewijs: er staan geen leesbare ondertekende gegevens in.",
    form: "Het ontvangstbewijs heeft niet de vorm die het portaal ondertekent.",
    unknownKey: "Het ontvangstbewijs is ondertekend met een sleutel die het portaal niet heeft gepubliceerd. Het komt niet van dit portaal.",
    badSignature: "De handtekening klopt niet: het ontvangstbewijs is na ondertekening gewijzigd, of niet door het portaal ondertekend.",
    expired: "Het tijdstip van ontvangst valt na het einde van de geldigheid van de sleutel.",
    valid: "Geldig: het portaal heeft dit ontvangstbewijs ondertekend.",
    invalid: "Niet geldig.",
    reference: "Referentie", supplement: "Aanvulling (herstel) op", received: "Ontvangen (Nederlandse tijd)", pillar: "Pijler",
    checksum: "Controlegetal van de aanvraag (SHA-256)", key: "Sleutel",
    logged: (index, size) => `In het ontvangstlogboek: plaats ${index + 1} van ${size}. Het bewijs leidt naar een checkpoint dat met een gepubliceerde sleutel is ondertekend.`,
    notYet: "Nog niet in het ontvangstlogboek. Een ontvangstbewijs wordt binnen een minuut na ontvangst opgenomen; probeer het zo opnieuw.",
    logFailed: "Het bewijs uit het logboek klopt niet: dit ontvangstbewijs staat niet op de plaats die het logboek noemt.",
    logUnavailable: "Het logboek kon nu niet worden gevraagd; de handtekening is wel gecontroleerd. Probeer het later opnieuw.",
    proves: "Dit bewijst dat het portaal deze referentie met dit tijdstip en dit controlegetal heeft afgegeven. Het zegt niet of de aanvraag volledig is of subsidie krijgt: daarover beslist RVO.",
    keysUnavailable: "De gepubliceerde sleutels konden niet worden geladen. Probeer het later opnieuw.",
  },
  en: {
    nothing: "Choose a PDF file or paste a signed receipt.",
    unreadable: "This is not a signed receipt: it holds no readable signed data.",
    form: "The receipt does not have the form the portal signs.",
    unknownKey: "The receipt was signed with a key the portal has not published. It does not come from this portal.",
    badSignature: "The signature does not match: the receipt was changed after signing, or not signed by the portal.",
    expired: "The time of receipt lies after the end of the key's validity.",
    valid: "Valid: the portal signed this receipt.",
    invalid: "Not valid.",
    reference: "Reference", supplement: "Supplement (herstel) to", received: "Received (Dutch time)", pillar: "Pillar",
    checksum: "Checksum of the application (SHA-256)", key: "Key",
    logged: (index, size) => `In the receipt log: place ${index + 1} of ${size}. The proof leads to a checkpoint signed with a published key.`,
    notYet: "Not in the receipt log yet. A receipt is logged within a minute of receipt; please try again shortly.",
    logFailed: "The log's proof does not hold: this receipt is not at the place the log names.",
    logUnavailable: "The log could not be asked now; the signature was checked. Please try again later.",
    proves: "This proves that the portal issued this reference with this time and this checksum. It does not say whether the application is complete or will receive a grant: RVO decides that.",
    keysUnavailable: "The published keys could not be loaded. Please try again later.",
  },
}[lang];
const FIELDS = ["v", "type", "reference", "supplementReference", "receivedAtMs", "pillar", "sha256", "keyId"];

class Refused extends Error {}

// RFC 8785 for what a receipt holds (objects, strings, integers): keys sorted by UTF-16 code units, which is
// what Array.prototype.sort does, and values as JSON.stringify writes them.
function canonical(value) {
  if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
  if (value && typeof value === "object") {
    return "{" + Object.keys(value).sort().map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }
  return JSON.stringify(value);
}

const encoder = new TextEncoder();
const bytesOf = (text) => encoder.encode(text);
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
const join = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
};

// ASN.1 DER ECDSA (the checkpoints' signed-note form) as r||s (WebCrypto's form).
function derToRaw(der) {
  let at = der[1] & 0x80 ? 3 : 2;
  const parts = [];
  for (let i = 0; i < 2; i += 1) {
    const length = der[at + 1];
    let number = der.slice(at + 2, at + 2 + length);
    while (number.length > 32 && number[0] === 0) number = number.slice(1);
    parts.push(join(new Uint8Array(32 - number.length), number));
    at += 2 + length;
  }
  return join(parts[0], parts[1]);
}

async function publicKey(key) {
  return crypto.subtle.importKey("jwk", { ...key.jwk, ext: true }, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
}

async function verifySignature(signed, keys) {
  const statement = signed && signed.statement;
  if (!statement || typeof signed.signature !== "string") throw new Refused(T.unreadable);
  if (signed.algorithm !== "ECDSA-P256-SHA256" || Object.keys(statement).some((k) => !FIELDS.includes(k))) throw new Refused(T.form);
  const key = keys.find((k) => k.keyId === statement.keyId);
  if (!key) throw new Refused(T.unknownKey);
  let signature;
  try { signature = fromBase64(signed.signature); } catch (error) { throw new Refused(T.badSignature); }
  const ok = signature.length === 64 && await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, await publicKey(key), signature, bytesOf(canonical(statement)));
  if (!ok) throw new Refused(T.badSignature);
  if (key.validUntil && statement.receivedAtMs > Date.parse(key.validUntil) + 60000) throw new Refused(T.expired);
  return { statement, key };
}

async function nodeHash(left, right) { return sha256(join(new Uint8Array([1]), left, right)); }

// RFC 9162 2.1.3.2: the inclusion proof's verification.
async function verifyInclusion(leaf, index, size, path, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, r = leaf;
  for (const p of path) {
    if (sn === 0) return false;
    if ((fn & 1) || fn === sn) {
      r = await nodeHash(p, r);
      if (!(fn & 1)) while (!(fn & 1) && fn !== 0) { fn >>= 1; sn >>= 1; }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1; sn >>= 1;
  }
  return sn === 0 && hex(r) === hex(root);
}

// A C2SP checkpoint signed per signed-note (type 0x02: ECDSA, key id = SHA-256 of the SPKI, first 4 bytes).
async function verifyCheckpoint(text, keys) {
  const [body, signatures] = [text.slice(0, text.indexOf("\n\n") + 1), text.slice(text.indexOf("\n\n") + 2)];
  const lines = body.split("\n");
  const origin = keys.origin;
  if (lines[0] !== origin) return null;
  for (const line of signatures.split("\n")) {
    if (!line.startsWith("\u2014 " + origin + " ")) continue;
    const signature = fromBase64(line.slice(origin.length + 3));
    for (const key of keys.keys) {
      const keyId = (await sha256(fromBase64(key.publicKey))).slice(0, 4);
      if (hex(keyId) !== hex(signature.slice(0, 4))) continue;
      if (await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, await publicKey(key), derToRaw(signature.slice(4)), bytesOf(body))) {
        return { size: Number(lines[1]), root: fromBase64(lines[2]) };
      }
    }
  }
  return null;
}

async function logPlace(signed, keys) {
  const entry = await sha256(bytesOf(canonical({ algorithm: signed.algorithm, signature: signed.signature, statement: signed.statement })));
  let answer;
  try {
    answer = await fetch(`${form.getAttribute("data-api")}/log/inclusion?entry=${hex(entry)}`, { headers: { accept: "application/json" } });
  } catch (error) { return { text: T.logUnavailable, ok: null }; }
  if (answer.status === 404) return { text: T.notYet, ok: null };
  if (!answer.ok) return { text: T.logUnavailable, ok: null };
  const proof = await answer.json();
  const checkpoint = await verifyCheckpoint(proof.checkpoint, keys);
  const leaf = await sha256(join(new Uint8Array([0]), entry));
  const ok = checkpoint !== null && checkpoint.size === proof.treeSize
    && await verifyInclusion(leaf, proof.index, proof.treeSize, proof.path.map(fromBase64), checkpoint.root);
  return ok ? { text: T.logged(proof.index, proof.treeSize), ok: true } : { text: T.logFailed, ok: false };
}

// The signed receipts a PDF carries: its embedded files (/Type /EmbeddedFile streams, FlateDecode).
async function embeddedJson(bytes) {
  let text = "";
  for (let i = 0; i < bytes.length; i += 8192) text += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  const found = [];
  let at = text.indexOf("/Type /EmbeddedFile");
  while (at !== -1) {
    const start = text.lastIndexOf("<<", at);
    const streamAt = text.indexOf("stream", at);
    const dictionary = text.slice(start, streamAt);
    const length = Number((/\/Length (\d+)/.exec(dictionary) || [])[1]);
    const dataAt = streamAt + (text[streamAt + 6] === "\r" ? 8 : 7);
    let data = bytes.slice(dataAt, dataAt + length);
    if (dictionary.includes("/FlateDecode")) {
      data = new Uint8Array(await new Response(new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate"))).arrayBuffer());
    }
    try { found.push(JSON.parse(new TextDecoder().decode(data))); } catch (error) { /* another kind of attachment */ }
    at = text.indexOf("/Type /EmbeddedFile", at + 1);
  }
  return found;
}

async function receiptsFrom() {
  const file = document.getElementById("verify-file").files[0];
  const pasted = document.getElementById("verify-text").value.trim();
  if (file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (String.fromCharCode(...bytes.subarray(0, 4)) === "%PDF") return embeddedJson(bytes);
    return [JSON.parse(new TextDecoder().decode(bytes))];
  }
  if (pasted) {
    const value = JSON.parse(pasted);
    return [value && value.signedReceipt ? value.signedReceipt : value];
  }
  throw new Refused(T.nothing);
}

function dutchTime(ms) {
  return new Intl.DateTimeFormat(lang === "nl" ? "nl-NL" : "en-GB", {
    timeZone: "Europe/Amsterdam", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
    second: "2-digit", fractionalSecondDigits: 3, hourCycle: "h23", timeZoneName: "short",
  }).format(new Date(ms));
}

// The result region is a polite live region (role=status): screen readers announce the verdict where it appears.
function show(blocks) {
  result.replaceChildren(...blocks);
}

function block(kind, heading, rows, notes) {
  const section = document.createElement("div");
  section.className = `notice verify-${kind}`;
  const title = document.createElement("h2");
  title.textContent = heading;
  section.appendChild(title);
  if (rows.length) {
    const list = document.createElement("dl");
    for (const [term, value] of rows) {
      const dt = document.createElement("dt"); dt.textContent = term;
      const dd = document.createElement("dd"); dd.textContent = value;
      list.append(dt, dd);
    }
    section.appendChild(list);
  }
  for (const note of notes) {
    const p = document.createElement("p"); p.textContent = note; section.appendChild(p);
  }
  return section;
}

async function verify(event) {
  event.preventDefault();
  let keys;
  try {
    const answer = await fetch(form.getAttribute("data-keys"), { cache: "no-cache" });
    keys = await answer.json();
  } catch (error) { show([block("invalid", T.invalid, [], [T.keysUnavailable])]); return; }
  let receipts;
  try {
    receipts = await receiptsFrom();
    if (!receipts.length) throw new Refused(T.unreadable);
  } catch (error) {
    if (!(error instanceof Refused)) console.error(error);
    show([block("invalid", T.invalid, [], [error instanceof Refused ? error.message : T.unreadable])]);
    return;
  }
  const blocks = [];
  for (const signed of receipts) {
    try {
      const { statement } = await verifySignature(signed, keys.keys);
      const place = await logPlace(signed, keys);
      const rows = [[T.reference, statement.supplementReference || statement.reference]];
      if (statement.supplementReference) rows.push([T.supplement, statement.reference]);
      rows.push([T.received, dutchTime(statement.receivedAtMs)], [T.pillar, String(statement.pillar)],
                [T.checksum, statement.sha256], [T.key, statement.keyId]);
      blocks.push(block(place.ok === false ? "invalid" : "valid", place.ok === false ? T.invalid : T.valid, rows, [place.text, T.proves]));
    } catch (error) {
      if (!(error instanceof Refused)) console.error(error);  // a defect, or data no receipt has: said as unreadable
      blocks.push(block("invalid", T.invalid, [], [error instanceof Refused ? error.message : T.unreadable]));
    }
  }
  show(blocks);
}

if (form) {
  form.hidden = false;
  form.addEventListener("submit", verify);
}
