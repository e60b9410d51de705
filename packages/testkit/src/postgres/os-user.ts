import { TestkitError } from "../errors.js";
import { runCommand } from "../internal/process.js";

export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

async function lookup(name: string): Promise<OsUser | undefined> {
  const [uid, gid] = await Promise.all([runCommand("id", ["-u", name]), runCommand("id", ["-g", name])]);
  if (uid.code !== 0 || gid.code !== 0) return undefined;
  return { name, uid: Number.parseInt(uid.output, 10), gid: Number.parseInt(gid.output, 10) };
}

/**
 * PostgreSQL refuses to run as root. As root, returns the unprivileged user to run it as, creating
 * that user (and its group) when it does not exist; otherwise returns undefined (run as ourselves).
 */
export async function postgresOsUser(name: string): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookup(name);
  if (existing !== undefined) return existing;
  let output = "";
  try {
    const group = await runCommand("groupadd", ["--system", name]);
    const user = await runCommand("useradd", [
      "--system",
      "--gid",
      name,
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      name,
    ]);
    output = `${group.output}${user.output}`;
  } catch (cause) {
    output = String(cause);
  }
  const created = await lookup(name);
  if (created !== undefined) return created;
  throw new TestkitError(
    "POSTGRES_USER_MISSING",
    `PostgreSQL cannot run as root and the OS user "${name}" does not exist and could not be created ` +
      `(${output.trim() || "groupadd/useradd failed"}). Create it (useradd --system ${name}) or run the tests ` +
      "as a normal user.",
  );
}
