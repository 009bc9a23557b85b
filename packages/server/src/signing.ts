import type { JWK } from 'jose'
import type { Config } from './config.js'
import { generateSigningKey, parsePrivateKey } from './domain/auth/signing-keys.js'
import { UserTokenSigner } from './domain/auth/user-tokens.js'
import type { Clock } from './domain/clock.js'
import type { SettingsRepo } from './store/repos/settings.js'

/** The generated signing key of an installation that brings none (OPENINDENT_SIGNING_KEY unset). */
const STORED_SIGNING_KEY = 'user_token_signing_key'
/** The public URL the server last started with, for host-side commands that mint tokens for it. */
const ANNOUNCED_PUBLIC_URL = 'public_url'

/**
 * The user-token signer: with the key from OPENINDENT_SIGNING_KEY(_FILE) when set, else with one
 * generated on first start and kept in the database; previous keys from
 * OPENINDENT_PREVIOUS_SIGNING_KEYS_FILE still verify.
 */
export async function openSigner(
  config: Readonly<Config>,
  settings: SettingsRepo,
  clock: Clock,
): Promise<UserTokenSigner> {
  return UserTokenSigner.create({
    current: await currentSigningKey(config, settings),
    previous: config.previousSigningKeys,
    issuer: config.publicUrl,
    maxLifetimeSeconds: config.userTokenMaxLifetimeSeconds,
    clock,
  })
}

/**
 * The instance's private signing key: OPENINDENT_SIGNING_KEY(_FILE) when set, else the one generated on
 * first start and kept in the database. User tokens and audit checkpoints are signed with it.
 */
export async function currentSigningKey(config: Readonly<Config>, settings: SettingsRepo): Promise<JWK> {
  return (
    config.signingKey ?? parsePrivateKey(await settings.getOrInit(STORED_SIGNING_KEY, generateSigningKey()))
  )
}

/** Recorded by `serve` once it listens: the URL its tokens name as issuer and audience. */
export function announcePublicUrl(settings: SettingsRepo, signer: UserTokenSigner): Promise<void> {
  return settings.put(ANNOUNCED_PUBLIC_URL, signer.issuer)
}

/**
 * A signer for a host-side command that mints tokens for the running server: the same keys, with
 * the issuer the server announced when OPENINDENT_PUBLIC_URL is not set here. Otherwise a command run
 * without the server's --port would mint tokens for `http://localhost:4100` that the server refuses.
 */
export async function signerForServer(
  config: Readonly<Config>,
  settings: SettingsRepo,
  signer: UserTokenSigner,
): Promise<UserTokenSigner> {
  if (config.publicUrlSet) return signer
  const announced = await settings.get(ANNOUNCED_PUBLIC_URL)
  return announced ? signer.withIssuer(announced) : signer
}
