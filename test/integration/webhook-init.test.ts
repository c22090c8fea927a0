// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${env:..} is vigil's secret placeholder, not a template
/**
 * The webhook Lambda with an unset ${env:…} token: its first event fails with a SecretError naming the variable
 * (logged once, clearly), instead of every request answering 500 with nothing said; once the variable is set, the
 * next event works.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clearSecretCache } from '../../functions/config/secrets';
import { webhookHandler } from '../../functions/webhook/handler';

const context = { getRemainingTimeInMillis: () => 10_000 };

describe('webhook Lambda start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-init-'));
  beforeAll(() => {
    const file = join(dir, 'vigil.yml');
    writeFileSync(
      file,
      'webhook:\n  token: "${env:VIGIL_INIT_TEST_TOKEN}"\nalerts: { groupWait: 0 }\nroutes:\n  - channels: [console]\n',
    );
    process.env.VIGIL_CONFIG = file;
    process.env.VIGIL_ALERT_STATE_FILE = join(dir, 'state.db');
    delete process.env.VIGIL_INIT_TEST_TOKEN;
  });
  afterAll(() => {
    for (const name of ['VIGIL_CONFIG', 'VIGIL_ALERT_STATE_FILE', 'VIGIL_INIT_TEST_TOKEN'])
      delete process.env[name];
    clearSecretCache();
  });

  it('fails the first event naming the unset variable, and recovers once it is set', async () => {
    const event = {
      version: '2.0',
      headers: { authorization: 'Bearer init-token-123' },
      body: '{"alerts":[{"labels":{"alertname":"Init"}}]}',
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST' } },
    };
    await expect(webhookHandler(event, context)).rejects.toThrow(/VIGIL_INIT_TEST_TOKEN/);
    process.env.VIGIL_INIT_TEST_TOKEN = 'init-token-123';
    clearSecretCache();
    const answer = (await webhookHandler(event, context)) as { statusCode: number };
    expect(answer.statusCode).toBe(200);
  });
});
