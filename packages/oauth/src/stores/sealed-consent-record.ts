/** @module How a consent record is stored by the SQL stores: public fields as JSON, secrets sealed. */
import { type ConsentRecord, checkTokenKey, consentRecordSchema, type DPoPKey } from "@authbus/core";
import type { SecretBox } from "./sqlite/secret-box.js";
import { asObject, readStored } from "./sqlite/stored-value.js";

/** A consent row as SQLite and Postgres both keep it. */
export interface ConsentRow {
  consent_id: string;
  status: string;
  record: string;
  sealed: Buffer;
}

interface Secrets {
  state: string;
  codeVerifier: string;
  authorizationUrl: string;
  /** The private DPoP key (RFC 9449), when the consent asks for DPoP-bound tokens. */
  dpopKey?: DPoPKey;
  /** CIBA `auth_req_id` and RFC 8628 `device_code`: whoever holds one can collect the tokens. */
  authReqId?: string;
  deviceCode?: string;
}

// Bound to the consent id, so a sealed value moved to another row does not open.
const aadOf = (consentId: string): string => `authbus_consents\u0000${consentId}`;

/** What to write for a new consent: the checked record, its `state` lookup key, and both columns. */
export interface SealedConsent {
  stored: ConsentRecord;
  stateLookup: string;
  record: string;
  sealed: Buffer;
}

/**
 * Checks a consent record (its resource normalised) and splits it: `state`, verifier,
 * authorization URL, DPoP key, `auth_req_id` and `device_code` sealed; the rest as JSON.
 */
export function sealConsentRecord(box: SecretBox, record: ConsentRecord): SealedConsent {
  const stored = consentRecordSchema.parse(record);
  stored.resource = checkTokenKey(stored).resource;
  const {
    state,
    codeVerifier,
    authorizationUrl,
    dpopKey,
    authReqId,
    deviceCode,
    status: _status,
    ...rest
  } = stored;
  const secrets: Secrets = {
    state,
    codeVerifier,
    authorizationUrl,
    ...(dpopKey ? { dpopKey } : {}),
    ...(authReqId ? { authReqId } : {}),
    ...(deviceCode ? { deviceCode } : {}),
  };
  return {
    stored,
    stateLookup: box.lookup(state),
    record: JSON.stringify(rest),
    sealed: box.seal(JSON.stringify(secrets), aadOf(stored.consentId)),
  };
}

/**
 * The consent record of a row. A tampered or corrupt row is a StoreCorruptError, never a
 * crypto error or a SyntaxError.
 */
export function openConsentRow(box: SecretBox, row: ConsentRow): ConsentRecord {
  const where = `consent ${row.consent_id}`;
  const opened = box.open(row.sealed, aadOf(row.consent_id));
  const secrets = readStored(
    "authbus_consents",
    where,
    opened,
    (value) => asObject(value) as Partial<Secrets>,
  );
  return readStored("authbus_consents", where, row.record, (value) =>
    consentRecordSchema.parse({ ...asObject(value), ...secrets, status: row.status }),
  );
}
