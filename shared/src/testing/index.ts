export { createTestDatabase, withDatabase, serverUrl, testPrefix, type TestDatabase } from './test-database.ts';
