/**
 * Uppy's Dashboard renders a single file as a `listitem` whose container
 * has no `list` role (with two or more files it has one), which screen
 * readers and axe report as a critical error. Until Uppy fixes it, the
 * container gets its role whenever the Dashboard renders one without it.
 *
 * Returns a function that stops watching.
 */
export function giveFileListItsRole(root: HTMLElement): () => void {
  const fix = () => {
    for (const list of root.querySelectorAll('.uppy-Dashboard-files:not([role])')) list.setAttribute('role', 'list');
  };
  const observer = new MutationObserver(fix);
  observer.observe(root, { childList: true, subtree: true });
  fix();
  return () => observer.disconnect();
}
