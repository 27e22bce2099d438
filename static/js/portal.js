// Copy buttons: <button data-copy-target="#id">, which copies the target's text or value.
document.addEventListener("click", function (event) {
  const button = event.target.closest("[data-copy-target]");
  if (!button) {
    return;
  }
  const target = document.querySelector(button.dataset.copyTarget);
  if (!target || !navigator.clipboard) {
    return;
  }
  navigator.clipboard.writeText(target.value || target.textContent.trim()).then(function () {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(function () { button.textContent = label; }, 1500);
  });
});

// Confirmation before a destructive post: <form data-confirm="Remove this member?">.
document.addEventListener("submit", function (event) {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
