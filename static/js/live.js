// The one live connection of a signed-in page: owns the WebSocket (/ws/), keeps the bell's count and
// lets page scripts (chat.js, notifications.js) listen to frames and send their own:
//   window.cpLive.on("message.new", (frame) => ...); window.cpLive.send({type: "typing", room});
// Extra events: "open" ({reconnected}) once the server said auth.ok, "close" ({code}) when the socket drops.
(function () {
  const PING_MS = 30000; // the server forgets presence and "viewing" after 90 s without a ping
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 30000;
  // 4401: not signed in any more, 4403: refused for good; reconnecting would only be refused again.
  const FINAL_CLOSE_CODES = new Set([4401, 4403]);

  const listeners = new Map();
  let socket = null;
  let ready = false;
  let everOpened = false;
  let attempts = 0;
  let pingTimer = null;
  let retryTimer = null;
  let stopped = false;

  function emit(type, frame) {
    (listeners.get(type) || []).forEach((fn) => {
      try {
        fn(frame);
      } catch (error) {
        console.error("cpLive listener for", type, "failed", error);
      }
    });
    (listeners.get("*") || []).forEach((fn) => fn(frame));
  }

  function on(type, fn) {
    if (!listeners.has(type)) listeners.set(type, []);
    listeners.get(type).push(fn);
    return () => off(type, fn);
  }

  function off(type, fn) {
    const list = listeners.get(type) || [];
    const index = list.indexOf(fn);
    if (index >= 0) list.splice(index, 1);
  }

  // False when the socket is not open (yet): callers keep what they meant to send and retry on "open".
  function send(frame) {
    if (!ready || !socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    if (stopped) return;
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(`${scheme}//${window.location.host}/ws/`);
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch (parseError) {
        return;
      }
      if (!frame || typeof frame.type !== "string") return;
      if (frame.type === "auth.ok") {
        const reconnected = everOpened;
        ready = true;
        everOpened = true;
        attempts = 0;
        clearInterval(pingTimer);
        pingTimer = setInterval(() => send({ type: "ping" }), PING_MS);
        emit("open", { type: "open", reconnected });
        return;
      }
      emit(frame.type, frame);
    });
    socket.addEventListener("close", (event) => {
      const wasReady = ready;
      ready = false;
      clearInterval(pingTimer);
      if (wasReady || attempts === 0 || FINAL_CLOSE_CODES.has(event.code)) emit("close", { type: "close", code: event.code });
      if (FINAL_CLOSE_CODES.has(event.code)) {
        stopped = true;
        return;
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** attempts);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2); // jitter: not every tab at the same instant
    attempts += 1;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  }

  // Back online, or back to a tab that slept: try now instead of waiting out the backoff.
  function reconnectSoon() {
    if (stopped || (socket && socket.readyState <= WebSocket.OPEN)) return;
    clearTimeout(retryTimer);
    retryTimer = null;
    attempts = 0;
    connect();
  }
  window.addEventListener("online", reconnectSoon);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") reconnectSoon();
  });

  // --- the bell ------------------------------------------------------------------------------------
  const bell = document.getElementById("bell-count");
  const bellLink = document.getElementById("nav-bell");
  let unread = 0;

  function showBell(count) {
    unread = Math.max(0, count | 0);
    if (!bell) return;
    bell.textContent = unread > 99 ? "99+" : String(unread);
    bell.hidden = unread === 0;
    if (bellLink) bellLink.setAttribute("aria-label", unread ? `Notifications, ${unread} unread` : "Notifications");
  }

  async function refreshBell() {
    try {
      const body = await window.cp.api("GET", "/api/v1/notifications/unread-count");
      showBell(body.unread);
    } catch (error) {
      // The badge just stays as it was; the next reconnect tries again.
    }
  }

  on("notification.new", (frame) => {
    if (frame.notification && !frame.notification.read) showBell(unread + 1);
  });
  // Frames are at most once: whatever came while the socket was down is counted again.
  on("open", (event) => {
    if (event.reconnected) refreshBell();
  });

  window.cpLive = {
    on,
    off,
    send,
    get connected() {
      return ready;
    },
    get unread() {
      return unread;
    },
    setUnread: showBell,
    refreshBell,
  };

  refreshBell();
  connect();
})();
