import { randomBytes } from 'node:crypto';
import { LocalKeyProvider } from '@stackyard/secrets-domain';
import { keyProviderContract } from './testing/key-provider.contract';

// The local provider has no server and no server-side rotation; everything else holds for it too.
keyProviderContract('local', () => Promise.resolve({ provider: new LocalKeyProvider(randomBytes(32)) }), { server: false, rotation: false });
