/**
 * Vitest globalSetup of the integration project: one moto server for the run, its endpoint
 * handed to the tests through `inject('motoEndpoint')`.
 */
import type { TestProject } from 'vitest/node';
import { startMoto } from '#test/helpers/moto.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    motoEndpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const moto = await startMoto();
  project.provide('motoEndpoint', moto.endpoint);
  return () => moto.stop();
}
