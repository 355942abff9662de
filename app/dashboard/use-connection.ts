import { useEffect, useState } from 'react';
import type { ConnectionState, ConnectionWatch } from './connection';

/** The connection's state, and while it is lost the whole seconds until the next probe (null: waiting for the network). */
export function useConnection(watch: ConnectionWatch): { state: ConnectionState; retryInSeconds: number | null } {
  const [state, setState] = useState(watch.state);
  const [now, setNow] = useState(() => Date.now());

  useEffect(() => watch.subscribe(setState), [watch]);
  useEffect(() => {
    if (state.kind !== 'lost') return;
    // The countdown moves every second while the connection is lost.
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [state.kind]);

  const retryInSeconds =
    state.kind === 'lost' && Number.isFinite(state.retryAt) ? Math.max(0, Math.ceil((state.retryAt - now) / 1000)) : null;
  return { state, retryInSeconds };
}
