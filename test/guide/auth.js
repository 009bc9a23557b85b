// The guide's `./auth`: how the admin portal knows who is signed in. Here the request context carries it.
export async function getCurrentUser(ctx) {
  return ctx.user
}
