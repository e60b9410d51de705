import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { Socket } from "node:net";
import { TestkitError } from "../errors.js";
import { hasExited, stopChild, whenExited } from "./process.js";

/**
 * The watchdog is a tiny shell process holding the read end of a pipe whose write end only this
 * Node process holds. When Node dies for any reason, SIGKILL included, the kernel closes the write
 * end, `read` returns, and the watchdog stops the server and removes its work directory. It lives
 * in its own session so a terminal's Ctrl-C cannot take it down before it has done its job.
 */
const WATCHDOG_SCRIPT = `
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  # An exited child of a dead parent stays a zombie until init reaps it, and some inits never do.
  state=$(sed -e 's/.*) //' -e 's/ .*//' "/proc/$1/stat" 2>/dev/null)
  [ "$state" != Z ] && [ "$state" != X ]
}
read _ignored
if alive "$1"; then
  kill -s "$2" "$1" 2>/dev/null
  n=0
  while alive "$1" && [ "$n" -lt "$3" ]; do sleep 0.5; n=$((n + 1)); done
  alive "$1" && kill -s KILL "$1" 2>/dev/null
fi
[ -n "$4" ] && rm -rf "$4"
`;

export interface SupervisedProcess {
  /** "PostgreSQL", "Kafka": used in messages. */
  name: string;
  child: ChildProcess;
  /** The signal that asks the server for a clean, fast shutdown. */
  stopSignal: NodeJS.Signals;
  /** How long a clean shutdown may take before SIGKILL. */
  graceMs: number;
  /** Removed once the server is down; "" keeps everything (a persistent data directory). */
  workDir: string;
}

export interface Supervision {
  /** Stops the server (signal, grace, SIGKILL) and removes its work directory. Idempotent. */
  stop(): Promise<void>;
  /** Forgets a server that has already exited, keeping its work directory (to retry in it). */
  release(): void;
}

const active = new Set<Supervision & { readonly server: SupervisedProcess }>();
let hooksInstalled = false;

function spawnWatchdog(server: SupervisedProcess): ChildProcess {
  const pid = server.child.pid;
  if (pid === undefined) throw new TestkitError("START_FAILED", `${server.name} could not be spawned`);
  const ticks = Math.ceil(server.graceMs / 500);
  const watchdog = spawn(
    "/bin/sh",
    [
      "-c",
      WATCHDOG_SCRIPT,
      "openfloor-testkit-watchdog",
      String(pid),
      server.stopSignal.replace(/^SIG/, ""),
      String(ticks),
      server.workDir,
    ],
    { detached: true, stdio: ["pipe", "ignore", "ignore"] },
  );
  watchdog.on("error", () => {});
  watchdog.stdin?.on("error", () => {});
  if (watchdog.stdin instanceof Socket) watchdog.stdin.unref();
  watchdog.unref();
  return watchdog;
}

function installProcessHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  // 'exit' cannot wait: ask each server to shut down; the watchdogs finish the job once Node is gone.
  process.on("exit", () => {
    for (const { server } of active) {
      if (!hasExited(server.child)) server.child.kill(server.stopSignal);
    }
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const onSignal = () => {
      void Promise.allSettled([...active].map((supervision) => supervision.stop())).then(() => {
        // Keep the default behaviour (terminate) unless someone else handles the signal.
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    process.once(signal, onSignal);
  }
}

/**
 * Watches a freshly spawned server: a watchdog kills it if this process dies, process hooks stop it on
 * exit and on SIGINT/SIGTERM, and `stop()` shuts it down cleanly.
 */
export function supervise(server: SupervisedProcess): Supervision {
  installProcessHooks();
  const watchdog = spawnWatchdog(server);
  const disarm = () => {
    if (!hasExited(watchdog)) watchdog.kill("SIGKILL");
  };
  // A server that dies on its own must not leave a watchdog that would one day signal a reused pid.
  void whenExited(server.child).then(disarm);

  let stopping: Promise<void> | undefined;
  const supervision = {
    server,
    stop(): Promise<void> {
      stopping ??= (async () => {
        try {
          await stopChild(server.child, server.stopSignal, server.graceMs);
        } finally {
          disarm();
          active.delete(supervision);
          if (server.workDir !== "")
            await rm(server.workDir, { recursive: true, force: true, maxRetries: 3 });
        }
      })();
      return stopping;
    },
    release(): void {
      disarm();
      active.delete(supervision);
    },
  };
  active.add(supervision);
  return supervision;
}
