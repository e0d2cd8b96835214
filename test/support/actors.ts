import type { Actor } from '../../functions/auth/operatorAccess';

/** A signed-in operator holding Console.Act, as operatorAccess makes one from an Easy Auth principal. */
export function userActor(name = 'ops@contoso.example', id = '7d0c5a4e-1111-4a2b-9c3d-5e6f7a8b9c0d'): Actor {
    return { kind: 'user', id, name, canRead: true, canAct: true };
}

/** Locally (CONSOLE_AUTH=none) nobody signs in. */
export const localActor: Actor = { kind: 'local', id: 'local', name: 'local operator', canRead: true, canAct: true };
