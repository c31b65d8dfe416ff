// FAQ page: the search box filters the questions as one types (without JavaScript every question
// is listed and the browser's find works).
(function () {
  const box = document.getElementById("faq-search");
  const form = document.getElementById("faq-search-form");
  const none = document.getElementById("faq-no-match");
  if (!box || !form) return;
  const fold = (text) => text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const apply = () => {
    const words = fold(box.value).split(/\s+/).filter(Boolean);
    let shown = 0;
    document.querySelectorAll(".faq-section").forEach((section) => {
      let inSection = 0;
      section.querySelectorAll(".faq-entry").forEach((entry) => {
        const text = fold(entry.textContent);
        const match = words.every((word) => text.includes(word));
        entry.hidden = !match;
        if (match && words.length) entry.open = true;
        if (match) inSection += 1;
      });
      section.hidden = inSection === 0;
      shown += inSection;
    });
    if (none) none.hidden = shown > 0;
  };
  form.addEventListener("submit", (event) => event.preventDefault());
  box.addEventListener("input", apply);
  if (box.value) apply();
})();
