// Checkout on the course page: hold a seat, show the card form from Stripe.js, pay, wait for the seat.
// The server confirms the payment (card token -> customer card -> PaymentIntent), then the page polls
// the payment until the enrolment is done: no reload needed.
(function () {
  const box = document.getElementById("checkout");
  if (!box) return;
  const courseId = box.dataset.courseId;
  const startButton = document.getElementById("checkout-start");
  const form = document.getElementById("checkout-form");
  const payButton = document.getElementById("checkout-pay");
  const timer = document.getElementById("hold-timer");
  const errorBox = document.getElementById("checkout-error");
  const done = document.getElementById("checkout-done");
  let payment = null;
  let stripe = null;
  let card = null;
  let countdown = null;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function friendly(error) {
    if (error && error.status === 409 && error.body && error.body.error && error.body.error.code === "course_full") {
      return "Sorry, every seat is taken right now. You can join the waitlist to be told when one frees up.";
    }
    if (error && error.status >= 500) return "Something went wrong on our side. Please try again in a moment.";
    return (error && error.message) || "Something went wrong. Please try again.";
  }

  function key() {
    // One key per course and tab session: a retry after a network error returns the same payment.
    const name = "checkout-key-" + courseId;
    let value = sessionStorage.getItem(name);
    if (!value) {
      value = (window.crypto && crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random());
      sessionStorage.setItem(name, value);
    }
    return value;
  }

  function loadStripe() {
    if (window.Stripe) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = box.dataset.stripeJs;
      script.onload = resolve;
      script.onerror = () => reject(new Error("The card form could not be loaded. Please reload the page."));
      document.head.appendChild(script);
    });
  }

  function startCountdown(until) {
    const end = new Date(until).getTime();
    clearInterval(countdown);
    const tick = () => {
      const left = Math.max(0, Math.floor((end - Date.now()) / 1000));
      const minutes = Math.floor(left / 60);
      const seconds = String(left % 60).padStart(2, "0");
      timer.textContent = left > 0
        ? `Holding your seat for ${minutes}:${seconds}`
        : "Your seat is no longer held. You can still pay if a seat is free; otherwise you are refunded at once.";
      if (left <= 0) clearInterval(countdown);
    };
    tick();
    countdown = setInterval(tick, 1000);
  }

  function enrolled() {
    clearInterval(countdown);
    form.hidden = true;
    startButton.hidden = true;
    document.getElementById("checkout-intro").hidden = true;
    done.textContent = "You're enrolled. Welcome to the course!";
    done.hidden = false;
  }

  async function waitForSeat() {
    // The payment went through; the seat, invoice and notices follow within a moment.
    for (let i = 0; i < 40; i += 1) {
      const current = await window.cp.api("GET", `/api/v1/payments/${payment.payment_id}`);
      if (current.enrolled) return enrolled();
      if (current.seat_refused) {
        done.textContent = "The last seat was taken while you paid, so your money is on its way back to your card.";
        done.hidden = false;
        form.hidden = true;
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    done.textContent = "Payment received. Your seat is being confirmed: this page will show it shortly.";
    done.hidden = false;
  }

  startButton.addEventListener("click", async () => {
    showError("");
    startButton.setAttribute("aria-busy", "true");
    try {
      const body = box.dataset.studentUid ? { student_uid: box.dataset.studentUid } : {};
      payment = await window.cp.api("POST", `/api/v1/courses/${courseId}/checkout`, body, {
        headers: { "Content-Type": "application/json", "X-CSRFToken": window.cp.csrfToken(), "Idempotency-Key": key() },
      });
      await loadStripe();
      stripe = window.Stripe(payment.publishable_key);
      card = stripe.elements().create("card");
      card.mount("#card-element");
      startButton.hidden = true;
      form.hidden = false;
      startCountdown(payment.hold_expires_at);
    } catch (error) {
      showError(friendly(error));
      errorBox.hidden = false;
      form.hidden = false;
      payButton.hidden = true;
    } finally {
      startButton.removeAttribute("aria-busy");
    }
  });

  payButton.addEventListener("click", async () => {
    if (payButton.getAttribute("aria-busy")) return;
    showError("");
    payButton.setAttribute("aria-busy", "true");
    try {
      const result = await stripe.createToken(card);
      if (result.error) {
        showError("Please check the card number, expiry date and security code.");
        return;
      }
      const paid = await window.cp.api("POST", `/api/v1/payments/${payment.payment_id}/confirm`, {
        card_token: result.token.id,
      });
      if (paid.enrolled) return enrolled();
      await waitForSeat();
    } catch (error) {
      showError(friendly(error));
    } finally {
      payButton.removeAttribute("aria-busy");
    }
  });
})();
