import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Store } from '../../src/stores/store.js';
import { describeAwkwardIdConformance } from './conformance/awkward-ids.js';
import { describeClientConformance } from './conformance/clients.js';
import { describeLimitConformance } from './conformance/limits.js';
import { describeTokenConformance } from './conformance/tokens.js';
import { describeUserConformance } from './conformance/users.js';

/** One empty store for one test, and how to dispose of it. */
export interface StoreFixture {
  store: Store;
  /** Closes the store and removes its data. Must tolerate a store the test already closed. */
  cleanup(): Promise<void>;
}

/**
 * The behaviour every Store must share, declared as a `describe(label)` block. Each test gets
 * a fresh store from `open`. Nothing sleeps: token times count from a fixed instant, and
 * counters and login failures use instants near the real clock (Redis keys expire in real
 * time) while their expiry is checked by passing later `nowMs` values.
 */
export function describeStoreConformance(label: string, open: () => Promise<StoreFixture>): void {
  describe(label, () => {
    let fixture: StoreFixture | undefined;

    beforeEach(async () => {
      fixture = await open();
    });

    afterEach(async () => {
      const current = fixture;
      fixture = undefined;
      await current?.cleanup();
    });

    const store = (): Store => {
      if (!fixture) throw new Error('the store fixture is not open');
      return fixture.store;
    };

    describe('lifecycle', () => {
      it('answers ping while open', async () => {
        await store().ping();
      });

      it('names its kind', () => {
        assert.match(store().kind, /^[a-z]+$/);
      });

      it('closes without error', async () => {
        await store().close();
      });
    });

    describeUserConformance(store);
    describeTokenConformance(store);
    describeLimitConformance(store);
    describeClientConformance(store);
    describeAwkwardIdConformance(store);
  });
}
