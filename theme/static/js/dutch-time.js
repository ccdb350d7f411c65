// Moments as people read them, as the server's receipts say them: "1 mei 2023 om 10:00:12,402 (CEST)" (a decimal
// comma in Dutch), "1 May 2023 at 10:00:12.402 (CEST)".
const MONTHS = {
  nl: ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober", "november", "december"],
  en: ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
};

// An ISO moment with its offset (Dutch time); `withTime` false gives the day only.
export function formatDutchMoment(iso, lang, withTime = true) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{3})?([+-]\d{2}):\d{2}$/.exec(iso || "");
  if (!m) return iso;
  const day = parseInt(m[3], 10) + " " + MONTHS[lang === "en" ? "en" : "nl"][parseInt(m[2], 10) - 1] + " " + m[1];
  if (!withTime) return day;
  const millis = m[5] ? (lang === "en" ? m[5] : "," + m[5].slice(1)) : "";
  return day + (lang === "en" ? " at " : " om ") + m[4] + millis + " (" + (m[6] === "+02" ? "CEST" : "CET") + ")";
}
