// Tries Firestore reads and writes as a mobile client would: the Firebase JS SDK, signed in to the
// Auth emulator with email and password (a real ID token), against the Firestore emulator's rules.
//
// Input (stdin, JSON): {projectId, authHost, firestoreHost, personas: {name: {email, password} | null},
//   probes: [{id, persona, op: get|list|create|update|delete, path, data?, where?: [field, op, value]}]}
// Output (stdout, JSON): {outcomes: {id: "allowed" | "denied" | "error: ..."}}
// The pytest suite (tests/test_rules_sdk.py) decides what each outcome should be.

import { deleteApp, initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import {
  collection,
  connectFirestoreEmulator,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  initializeFirestore,
  query,
  setDoc,
  setLogLevel,
  terminate,
  updateDoc,
  where,
} from "firebase/firestore";

const PROBE_TIMEOUT_MS = 15000;
const CONCURRENCY = 16;

async function readInput() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

async function openClient(input, name, credentials) {
  const app = initializeApp({ projectId: input.projectId, apiKey: "fake-api-key" }, name);
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://${input.authHost}`, { disableWarnings: true });
  if (credentials) await signInWithEmailAndPassword(auth, credentials.email, credentials.password);
  // Long polling off, no cache: each probe is one round trip the rules judge.
  const db = initializeFirestore(app, {});
  const [host, port] = input.firestoreHost.split(":");
  connectFirestoreEmulator(db, host, Number(port));
  return { app, db };
}

function run(db, probe) {
  switch (probe.op) {
    case "get":
      return getDoc(doc(db, probe.path));
    case "list": {
      const base = collection(db, probe.path);
      return getDocs(probe.where ? query(base, where(...probe.where)) : base);
    }
    case "create":
      return setDoc(doc(db, probe.path), probe.data ?? { probe: true });
    case "update":
      return updateDoc(doc(db, probe.path), probe.data ?? { probe: true });
    case "delete":
      return deleteDoc(doc(db, probe.path));
    default:
      throw new Error(`unknown op ${probe.op}`);
  }
}

async function outcomeOf(db, probe) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), PROBE_TIMEOUT_MS);
  });
  try {
    await Promise.race([run(db, probe), timeout]);
    return "allowed";
  } catch (error) {
    return error.code === "permission-denied" ? "denied" : `error: ${error.code ?? ""} ${error.message}`;
  } finally {
    clearTimeout(timer);
  }
}

async function main() {
  setLogLevel("silent");
  const input = await readInput();
  const clients = {};
  for (const [name, credentials] of Object.entries(input.personas)) {
    clients[name] = await openClient(input, name, credentials);
  }
  const outcomes = {};
  const queue = [...input.probes];
  async function worker() {
    for (let probe = queue.shift(); probe; probe = queue.shift()) {
      outcomes[probe.id] = await outcomeOf(clients[probe.persona].db, probe);
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  for (const { app, db } of Object.values(clients)) {
    await terminate(db);
    await deleteApp(app);
  }
  // process.exit does not wait for a pipe to drain: finish the write first.
  await new Promise((resolve) => process.stdout.write(JSON.stringify({ outcomes }), resolve));
}

main().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${error.stack ?? error}\n`);
    process.exit(1);
  },
);
