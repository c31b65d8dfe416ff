// Join the membership: the card form from Stripe.js, a token, and the server starts the subscription.
(function () {
  const box = document.getElementById("membership-join");
  if (!box) return;
  const button = document.getElementById("membership-join-button");
  const errorBox = document.getElementById("membership-error");
  let card = null;
  let stripe = null;
  let key = "membership-" + (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()));

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  const script = document.createElement("script");
  script.src = box.dataset.stripeJs;
  script.onload = () => {
    stripe = window.Stripe(box.dataset.key);
    card = stripe.elements().create("card");
    card.mount("#card-element");
  };
  script.onerror = () => showError("The card form could not be loaded. Please reload the page.");
  document.head.appendChild(script);

  button.addEventListener("click", async () => {
    if (!card || button.getAttribute("aria-busy")) return;
    showError("");
    button.setAttribute("aria-busy", "true");
    try {
      const result = await stripe.createToken(card);
      if (result.error) {
        showError("Please check the card number, expiry date and security code.");
        return;
      }
      const interval = box.querySelector("input[name=interval]:checked").value;
      await window.cp.api("POST", "/api/v1/subscriptions", { interval, card_token: result.token.id }, {
        headers: { "Content-Type": "application/json", "X-CSRFToken": window.cp.csrfToken(), "Idempotency-Key": key },
      });
      window.location.reload();
    } catch (error) {
      // A declined card is a finished attempt: the next one gets a key of its own.
      if (error.status === 402) key = "membership-" + String(Date.now()) + Math.random();
      showError(error.status >= 500 ? "Something went wrong on our side. Please try again in a moment." : error.message);
    } finally {
      button.removeAttribute("aria-busy");
    }
  });
})();
