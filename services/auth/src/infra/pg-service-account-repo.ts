import type { ServiceAccount, ServiceAccountRepo } from '../usecases/ports.ts';

type Row = { id: string; client_id: string; secret_hash: string; name: string };
const toAccount = (r: Row): ServiceAccount => ({ id: r.id, clientId: r.client_id, secretHash: r.secret_hash, name: r.name });

export function createPgServiceAccountRepo(): ServiceAccountRepo {
  return {
    async findByClientId(db, clientId) {
      const { rows } = await db.query<Row>(`SELECT id, client_id, secret_hash, name FROM auth.service_accounts WHERE client_id = $1`, [clientId]);
      return rows[0] ? toAccount(rows[0]) : null;
    },
    async upsert(tx, a) {
      await tx.query(
        `INSERT INTO auth.service_accounts (client_id, secret_hash, name) VALUES ($1, $2, $3)
         ON CONFLICT (client_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, name = EXCLUDED.name, updated_at = now()`,
        [a.clientId, a.secretHash, a.name]);
    },
  };
}
