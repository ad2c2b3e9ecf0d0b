/** Looks up a task's user in the host's /etc/passwd (the chroot shares the host's /etc). */
import { readFileSync } from 'node:fs';
import { DriverError } from '../driver.ts';

export interface UserIds {
  name: string;
  uid: number;
  gid: number;
}

/** Finds a user by name or numeric uid; throws a non-recoverable DriverError naming it when absent. */
export function lookupUser(user: string, passwdPath = '/etc/passwd'): UserIds {
  const text = readFileSync(passwdPath, 'utf8');
  const byUid = /^\d+$/.test(user);
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || uid === undefined || gid === undefined) continue;
    if ((byUid && uid === user) || (!byUid && name === user)) {
      return { name, uid: Number(uid), gid: Number(gid) };
    }
  }
  if (byUid) return { name: user, uid: Number(user), gid: Number(user) };
  throw new DriverError(`Failed to identify user "${user}": no such user in "${passwdPath}"`, {
    recoverable: false,
  });
}
