/** The real servers the database source tests use (helpers/servers.ts) start, hold the roles they promise, and stop cleanly. */
import assert from 'node:assert/strict';
import { mariadbAdmin, postgresAdmin, testServer } from '../helpers/servers.js';

describe('test servers (helpers/servers.ts)', function () {
  this.timeout(120_000);

  it('PostgreSQL 15 runs on 127.0.0.1 with a reader that may SELECT only', async function () {
    const server = await testServer('postgres', this);
    assert.equal(server.host, '127.0.0.1');
    const [version] = await postgresAdmin(server, 'keysync_test', ['show server_version_num']);
    assert.match(String(version!.server_version_num), /^15/);
    const [privileges] = await postgresAdmin(server, 'keysync_test', [
      'create table harness_check (id int primary key)',
      `select has_table_privilege('keysync_reader', 'harness_check', 'SELECT') as reader_select,
              has_table_privilege('keysync_reader', 'harness_check', 'INSERT') as reader_insert,
              has_table_privilege('keysync_no_select', 'harness_check', 'SELECT') as other_select,
              (select rolsuper from pg_roles where rolname = 'keysync_reader') as reader_super`,
    ]);
    await postgresAdmin(server, 'keysync_test', ['drop table harness_check']);
    assert.deepEqual(privileges, { reader_select: true, reader_insert: false, other_select: false, reader_super: false });
  });

  it('MariaDB 10.11 runs on 127.0.0.1 with a reader that may SELECT only', async function () {
    const server = await testServer('mariadb', this);
    const [row] = (await mariadbAdmin(server, ['select version() as version'])) as { version: string }[];
    assert.match(row!.version, /^10\.11\..*MariaDB/);
    const grants = (await mariadbAdmin(server, ["show grants for keysync_reader@'%'"])) as Record<string, string>[];
    const text = grants.map((grant) => Object.values(grant)[0]).join('\n');
    assert.match(text, /GRANT SELECT ON `keysync_test`\.\* TO `keysync_reader`/);
    assert.doesNotMatch(text, /INSERT|UPDATE|DELETE|ALL PRIVILEGES/);
  });

  it('gives each test a random password with URL-special characters', async function () {
    const server = await testServer('postgres', this);
    // The admin, the reader, the role that may select nothing, and the team roles once a test made them.
    assert.ok(server.passwords.length >= 3);
    assert.equal(new Set(server.passwords).size, server.passwords.length);
    for (const password of server.passwords) assert.match(password, /[@:%/]/);
  });
});
