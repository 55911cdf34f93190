/** Who may run admin-only commands and press their Apply / Confirm buttons: ADMIN_USERS (empty: anyone, see README). */
export function isAdmin(admins: readonly string[], user: string): boolean {
  return admins.length === 0 || admins.includes(user);
}
