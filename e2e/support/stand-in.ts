/**
 * A stand-in usable at a test file's module level for something its
 * beforeAll starts (a server, a cluster): every property read is forwarded to
 * the running one, methods bound to it.
 */
export function standIn<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const target = current();
      if (!target) throw new Error(`the ${what} of this test file is not running (used outside a test?)`);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
