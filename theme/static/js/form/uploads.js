// Uploads: a presigned POST straight to storage, then checked by the server; single files and lists.
import { MAX_BYTES, TEXT, emit, fill, lang, postJson, sizeText, state, touched, visuallyHidden } from "./context.js";

export function sha256Hex(file) {
  if (!(window.crypto && crypto.subtle && file.arrayBuffer)) return Promise.resolve(null);
  return file.arrayBuffer().then(function (buffer) { return crypto.subtle.digest("SHA-256", buffer); }).then(function (digest) {
    return Array.prototype.map.call(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  });
}
export function uploadFile(box, file) {
  var status = box.querySelector(".upload-status");
  var bar = box.querySelector(".upload-progress");
  var error = box.querySelector(".field-error");
  error.textContent = "";
  if (file.type !== "application/pdf" && !/\.pdf$/i.test(file.name)) { error.textContent = TEXT.notPdf; return Promise.reject(); }
  if (file.size > MAX_BYTES) { error.textContent = fill(TEXT.tooLarge, { mb: MAX_BYTES / 1024 / 1024 }); return Promise.reject(); }
  status.textContent = fill(TEXT.uploading, { name: file.name });
  bar.hidden = false;
  bar.value = 0;
  var digest = null;
  // S3 refuses a body whose SHA-256 differs from the one bound into the presigned POST.
  return sha256Hex(file).then(function (hex) {
    digest = hex;
    return postJson("/uploads", { draftId: state.draftId, draftToken: state.draftToken, filename: file.name,
                                  contentType: "application/pdf", size: file.size, sha256: hex });
  }).then(function (result) {
    if (result.status !== 201) throw new Error("presign");
    state.draftId = result.body.draftId;
    state.draftToken = result.body.draftToken;
    var upload = result.body;
    return new Promise(function (resolve, reject) {
      var data = new FormData();
      Object.keys(upload.fields).forEach(function (key) { data.append(key, upload.fields[key]); });
      data.append("file", file);
      var request = new XMLHttpRequest();
      request.open("POST", upload.url);
      request.upload.addEventListener("progress", function (event) { if (event.lengthComputable) bar.value = Math.round(100 * event.loaded / event.total); });
      request.onload = function () { request.status < 300 ? resolve(upload) : reject(new Error("upload")); };
      request.onerror = function () { reject(new Error("upload")); };
      request.send(data);
    });
  }).then(function (upload) {
    return Promise.all([postJson("/uploads/verify", { key: upload.key }), digest]).then(function (results) {
      var verified = results[0];
      if (verified.status !== 200) {
        var finding = verified.body.error && verified.body.error.findings[0];
        throw new Error(finding ? finding.message[lang] : "verify");
      }
      if (results[1] && results[1] !== verified.body.sha256) throw new Error(TEXT.mismatch);
      bar.value = 100;
      return { key: upload.key, sha256: verified.body.sha256, filename: file.name, size: verified.body.size, verified: verified.body.statement };
    });
  }).catch(function (problem) {
    bar.hidden = true;
    status.textContent = "";
    error.textContent = problem && problem.message && problem.message.length > 12 ? problem.message : fill(TEXT.uploadFailed, { name: file.name });
    throw problem;
  });
}
// What an application says of one upload; "verified" is the portal's signed statement of its check.
export var UPLOAD_PARTS = ["key", "sha256", "filename", "verified"];
export function showUploaded(box, filename, size) {
  box.querySelector(".upload-status").textContent = fill(TEXT.uploaded, { name: filename, size: size ? sizeText(size) : "PDF" });
}
export function addListedUpload(box, value) {
  var list = box.querySelector("[data-list-for]");
  var path = box.getAttribute("data-path");
  var index = list.children.length;
  var item = document.createElement("li");
  UPLOAD_PARTS.forEach(function (part) {
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = path + "." + index + "." + part;
    // A reference without a part (one sent through the API has no statement) keeps it empty, not "undefined".
    input.value = value[part] === undefined || value[part] === null ? "" : value[part];
    item.appendChild(input);
  });
  var label = document.createElement("span");
  label.textContent = value.filename + " ";
  item.appendChild(label);
  var remove = document.createElement("button");
  remove.type = "button";
  remove.className = "button-secondary remove-upload";
  remove.textContent = TEXT.remove;
  remove.appendChild(visuallyHidden(value.filename));
  item.appendChild(remove);
  list.appendChild(item);
}
export function wireUploads(scope) {
  Array.prototype.forEach.call(scope.querySelectorAll("input[type=file]"), function (input) {
    if (input.getAttribute("data-wired")) return;
    input.setAttribute("data-wired", "1");
    input.addEventListener("change", function () {
      var box = input.closest("[data-kind]");
      var files = Array.prototype.slice.call(input.files);
      var chain = Promise.resolve();
      files.forEach(function (file) {
        chain = chain.then(function () { return uploadFile(box, file); }).then(function (uploaded) {
          if (box.getAttribute("data-kind") === "attachment") {
            UPLOAD_PARTS.forEach(function (part) { box.querySelector("[data-part=" + part + "]").value = uploaded[part]; });
          } else {
            addListedUpload(box, uploaded);
          }
          showUploaded(box, uploaded.filename, uploaded.size);
          touched[box.getAttribute("data-path")] = true;
          emit("changed");
        }, function () { /* the message is shown at the field */ });
      });
      chain.then(function () { input.value = ""; });
    });
  });
}
