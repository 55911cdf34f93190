/** Whether a string from outside (an alert, a config) is an absolute http(s) URL we may link to or call. */
export function isHttpUrl(url: string | undefined): url is string {
  if (!url || /[\s\u0000-\u001f\u007f]/.test(url)) return false;
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
