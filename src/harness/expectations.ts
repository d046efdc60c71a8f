import { ScenarioError } from '../errors.js';
import { checkExpect } from '../scenario/expect.js';
import { presentScenario } from '../scenario/materialize.js';
import { loadBuiltinProfiles, resolveProfile } from '../scenario/profile.js';
import type { Scenario } from '../scenario/scenario.js';
import type { OpenedWorld } from '../world/store.js';

/**
 * Check each scenario's `expect:` against the reference model with every shipped pin profile (see
 * checkExpect). Returns one error per scenario whose `expect:` the model contradicts, located at
 * its `expect:` line, naming the model's reason. Scenarios without `expect:` are not checked.
 */
export async function expectationErrors(opened: OpenedWorld, scenarios: readonly Scenario[]): Promise<ScenarioError[]> {
  const world = opened.world;
  const profiles = loadBuiltinProfiles(world.spec).map((p) => resolveProfile(p, world));
  const errors: ScenarioError[] = [];
  for (const scenario of scenarios) {
    if (!scenario.expect) continue;
    const problem = checkExpect(scenario.expect, await presentScenario(opened, scenario), profiles, world);
    const at = scenario.source.expect ?? scenario.source.id;
    if (problem) errors.push(new ScenarioError(scenario.source.file, at.line, at.col, problem));
  }
  return errors;
}
