/** The keys of an update's environment that say where it ran, without personal e-mail addresses. */
export function whereItRan(environment: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(environment ?? {}).filter(([key, value]) => /^(git|vcs|ci|exec|pulumi)\./.test(key) && !/email/i.test(key) && typeof value === 'string'));
}
