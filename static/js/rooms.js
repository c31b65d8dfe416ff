// Group rooms on the chat page: create a group (teachers, admins), and for the open room its details:
// members (add and remove when I manage the group), rename, leave, mute. People are picked by name
// through the people search (GET /api/v1/users), never by typing an id. Names go in as text only.
(function () {
  const chat = window.cpChat;
  if (!chat || !window.cp) return;
  const { api, el } = window.cp;
  const $ = (id) => document.getElementById(id);
  const ROLE_LABELS = { student: "Student", teacher: "Teacher", parent: "Parent", admin: "Admin" };
  const canSearch = chat.role === "teacher" || chat.role === "admin";

  function initials(name) {
    return (name || "?")
      .split(/\s+/)
      .slice(0, 2)
      .map((word) => word.charAt(0))
      .join("")
      .toUpperCase();
  }

  function personRow(person, buttonLabel, onChoose) {
    return el(
      "li",
      {},
      el("span", { class: "avatar small initials", "aria-hidden": "true" }, initials(person.display_name)),
      el(
        "span",
        { class: "grow person" },
        el("strong", {}, person.display_name),
        " ",
        el("span", { class: `role-badge role-${person.role}` }, ROLE_LABELS[person.role] || "")
      ),
      el("button", { type: "button", class: "small outline", onclick: (event) => onChoose(person, event.currentTarget) }, buttonLabel)
    );
  }

  // A name typeahead over the people search: waits for a pause in typing, ignores stale answers.
  function peoplePicker({ input, results, status, buttonLabel, skip, onChoose }) {
    let timer = null;
    let asked = "";
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const q = input.value.trim();
        if (q === asked) return;
        asked = q;
        status.textContent = "";
        if (q.length < 2) {
          results.replaceChildren();
          return;
        }
        try {
          const page = await api("GET", `/api/v1/users?${new URLSearchParams({ q, limit: "8" })}`);
          if (asked !== q) return;
          const people = page.items.filter((person) => person.uid !== chat.me && !skip(person.uid));
          if (!people.length) status.textContent = "Nobody found with that name.";
          results.replaceChildren(...people.map((person) => personRow(person, buttonLabel, onChoose)));
        } catch (error) {
          status.textContent = error.message;
        }
      }, 250);
    });
    return {
      clear() {
        input.value = "";
        asked = "";
        results.replaceChildren();
      },
    };
  }

  // The field a refusal is about, in words; ids never reach the page.
  function fieldMessage(error, field, fallback) {
    const fields = (error.body && error.body.error && error.body.error.fields) || {};
    const messages = fields[field];
    if (Array.isArray(messages) && messages.length && messages.every((text) => typeof text === "string" && text.includes(" "))) {
      return messages.join(" ");
    }
    return fallback || error.message;
  }

  // --- a new group ---------------------------------------------------------------------------------

  const groupForm = $("group-form");
  if (groupForm && canSearch) {
    const picked = new Map(); // uid -> name
    const pickedList = $("group-picked");
    const membersError = $("group-members-error");
    const nameError = $("group-name-error");
    const renderPicked = () => {
      pickedList.replaceChildren(
        ...[...picked.entries()].map(([uid, name]) =>
          el(
            "li",
            {},
            el("span", {}, name),
            el(
              "button",
              {
                type: "button",
                class: "link-button",
                "aria-label": `Remove ${name}`,
                onclick: () => {
                  picked.delete(uid);
                  renderPicked();
                },
              },
              "×"
            )
          )
        )
      );
    };
    const picker = peoplePicker({
      input: $("group-q"),
      results: $("group-results"),
      status: membersError,
      buttonLabel: "Add",
      skip: (uid) => picked.has(uid),
      onChoose: (person) => {
        picked.set(person.uid, person.display_name);
        membersError.textContent = "";
        picker.clear();
        renderPicked();
        $("group-q").focus();
      },
    });
    groupForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const name = $("group-name").value.trim();
      nameError.textContent = name ? "" : "Give the group a name.";
      membersError.textContent = picked.size ? "" : "Add at least one member: type a name and press Add.";
      if (!name || !picked.size) return;
      const button = $("group-create");
      button.setAttribute("aria-busy", "true");
      try {
        const room = await api("POST", "/api/v1/chat/rooms", { name, member_uids: [...picked.keys()] });
        picked.clear();
        renderPicked();
        groupForm.reset();
        chat.showRoom(room);
      } catch (error) {
        const refused = ((error.body && error.body.error && error.body.error.fields) || {}).member_uids;
        if (Array.isArray(refused) && refused.some((uid) => picked.has(uid))) {
          const names = refused.filter((uid) => picked.has(uid)).map((uid) => picked.get(uid));
          membersError.textContent = `${error.message.replace(/^member_uids: .*/, "Some people cannot be added.")} (${names.join(", ")})`;
        } else if (error.body && error.body.error && error.body.error.fields && error.body.error.fields.name) {
          nameError.textContent = "Use 1 to 100 characters.";
        } else {
          membersError.textContent = error.message;
        }
      } finally {
        button.removeAttribute("aria-busy");
      }
    });
  }

  // --- the open room's details ---------------------------------------------------------------------

  const toggle = $("room-settings-toggle");
  const panel = $("room-panel");
  const muteButton = $("room-mute");
  const leaveButton = $("room-leave");
  const renameForm = $("rename-form");
  const membersLabel = $("members-label");
  const membersList = $("room-members");
  const addBox = $("add-member");
  const status = $("room-panel-status");
  let room = null; // the open room's detail
  let muted = null; // Set of muted room ids, read once

  async function mutedRooms() {
    if (muted) return muted;
    const settings = await api("GET", "/api/v1/notifications/settings");
    muted = new Set(settings.muted_rooms || []);
    return muted;
  }

  function manages(detail) {
    return detail.kind === "group" && (chat.role === "admin" || detail.created_by === chat.me);
  }

  function renderMembers() {
    const group = room.kind === "group";
    membersLabel.hidden = !group;
    membersList.replaceChildren();
    if (!group) return;
    const mine = manages(room);
    membersList.replaceChildren(
      ...room.members.map((member) =>
        el(
          "li",
          { "data-uid": member.uid },
          el("span", { class: "avatar small initials", "aria-hidden": "true" }, initials(member.name)),
          el(
            "span",
            { class: "grow person" },
            el("a", { href: `/people/${encodeURIComponent(member.uid)}/` }, member.name || "A member"),
            member.uid === room.created_by ? el("small", { class: "muted" }, " · started the group") : null
          ),
          mine && member.uid !== room.created_by && member.uid !== chat.me
            ? el(
                "button",
                {
                  type: "button",
                  class: "small outline secondary",
                  onclick: (event) => removeMember(member, event.currentTarget),
                },
                "Remove"
              )
            : null
        )
      )
    );
  }

  function renderPanel() {
    toggle.hidden = false;
    const group = room.kind === "group";
    const mine = manages(room);
    renameForm.hidden = !mine;
    $("rename-name").value = room.name || "";
    $("rename-name-error").textContent = "";
    addBox.hidden = !(mine && canSearch);
    leaveButton.hidden = !(group && room.created_by !== chat.me && room.members.some((m) => m.uid === chat.me));
    renderMembers();
    mutedRooms()
      .then((set) => {
        muteButton.hidden = false;
        muteButton.textContent = set.has(room.id) ? "Unmute notifications" : "Mute notifications";
      })
      .catch(() => {
        muteButton.hidden = true;
      });
  }

  document.addEventListener("cp:room-open", (event) => {
    room = event.detail;
    status.textContent = "";
    renderPanel();
  });
  document.addEventListener("cp:room-close", () => {
    room = null;
    toggle.hidden = true;
    panel.hidden = true;
    toggle.setAttribute("aria-expanded", "false");
  });
  toggle.addEventListener("click", () => {
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
  });

  async function refresh() {
    if (!room) return;
    const roomId = room.id;
    const detail = await api("GET", `/api/v1/chat/rooms/${encodeURIComponent(roomId)}`);
    if (room && room.id === roomId) {
      room = detail;
      renderPanel();
    }
  }

  muteButton.addEventListener("click", async () => {
    if (!room) return;
    const set = await mutedRooms();
    const isMuted = set.has(room.id);
    muteButton.setAttribute("aria-busy", "true");
    try {
      const settings = await api(isMuted ? "DELETE" : "POST", `/api/v1/notifications/mute/${encodeURIComponent(room.id)}`);
      muted = new Set(settings.muted_rooms || []);
      status.textContent = isMuted ? "Notifications for this conversation are on again." : "This conversation is muted: no notifications.";
      renderPanel();
    } catch (error) {
      status.textContent = error.message;
    } finally {
      muteButton.removeAttribute("aria-busy");
    }
  });

  leaveButton.addEventListener("click", async () => {
    if (!room || !window.confirm(`Leave ${room.name}? You will no longer see its messages.`)) return;
    const roomId = room.id;
    leaveButton.setAttribute("aria-busy", "true");
    try {
      await api("DELETE", `/api/v1/chat/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(chat.me)}`);
      chat.forgetRoom(roomId);
    } catch (error) {
      status.textContent = error.message;
    } finally {
      leaveButton.removeAttribute("aria-busy");
    }
  });

  async function removeMember(member, button) {
    if (!room || !window.confirm(`Remove ${member.name} from ${room.name}?`)) return;
    button.setAttribute("aria-busy", "true");
    try {
      await api("DELETE", `/api/v1/chat/rooms/${encodeURIComponent(room.id)}/members/${encodeURIComponent(member.uid)}`);
      status.textContent = `${member.name} is no longer in the group.`;
      await refresh();
    } catch (error) {
      status.textContent = error.message;
      button.removeAttribute("aria-busy");
    }
  }

  renameForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!room) return;
    const name = $("rename-name").value.trim();
    const error = $("rename-name-error");
    error.textContent = name ? "" : "Give the group a name.";
    if (!name) return;
    $("rename-save").setAttribute("aria-busy", "true");
    try {
      const detail = await api("PATCH", `/api/v1/chat/rooms/${encodeURIComponent(room.id)}`, { name });
      room = detail;
      $("room-name").textContent = detail.name;
      status.textContent = "The group is renamed.";
      renderPanel();
    } catch (failure) {
      error.textContent = fieldMessage(failure, "name");
    } finally {
      $("rename-save").removeAttribute("aria-busy");
    }
  });

  const addInput = $("add-member-q");
  if (addInput && canSearch) {
    const addError = $("add-member-error");
    const picker = peoplePicker({
      input: addInput,
      results: $("add-member-results"),
      status: addError,
      buttonLabel: "Add",
      skip: (uid) => Boolean(room && room.members.some((member) => member.uid === uid)),
      onChoose: async (person, button) => {
        if (!room) return;
        button.setAttribute("aria-busy", "true");
        try {
          const detail = await api("POST", `/api/v1/chat/rooms/${encodeURIComponent(room.id)}/members`, { uid: person.uid });
          picker.clear();
          addError.textContent = "";
          room = detail;
          status.textContent = `${person.display_name} joined the group.`;
          renderPanel();
        } catch (error) {
          addError.textContent = error.message;
          button.removeAttribute("aria-busy");
        }
      },
    });
  }

  if (window.cpLive) {
    window.cpLive.on("member.added", (frame) => {
      if (room && frame.room === room.id) refresh().catch(() => {});
    });
    window.cpLive.on("member.removed", (frame) => {
      if (room && frame.room === room.id && frame.uid !== chat.me) refresh().catch(() => {});
    });
  }
})();
