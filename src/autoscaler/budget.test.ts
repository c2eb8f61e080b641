import { describe, expect, it } from 'vitest';
import { doublingsNeeded, downAffordable, upTarget } from './budget.js';

describe('doublingsNeeded', () => {
  it.each`
    from | to    | calls
    ${4} | ${4}  | ${0}
    ${4} | ${3}  | ${0}
    ${4} | ${5}  | ${1}
    ${4} | ${8}  | ${1}
    ${4} | ${9}  | ${2}
    ${1} | ${40} | ${6}
  `('$from -> $to takes $calls calls', ({ from, to, calls }) => {
    expect(doublingsNeeded(from, to)).toBe(calls);
  });
});

describe('downAffordable (table)', () => {
  it.each`
    case                                                  | used | peak  | target | ok       | left | needed
    ${'plenty of calls'}                                  | ${2} | ${16} | ${4}   | ${true}  | ${7} | ${2}
    ${'too deep for the calls left'}                      | ${6} | ${64} | ${4}   | ${false} | ${3} | ${4}
    ${'a shallower step fits'}                            | ${6} | ${64} | ${8}   | ${true}  | ${3} | ${3}
    ${'one call is always kept, even with no peak ahead'} | ${9} | ${1}  | ${1}   | ${false} | ${0} | ${1}
  `('$case', ({ used, peak, target, ok, left, needed }) => {
    expect(downAffordable({ used, peakShards: peak }, target)).toEqual({ ok, left, needed });
  });
});

describe('upTarget (table)', () => {
  it.each`
    case                                             | used | peak  | n    | proposed | target
    ${'enough calls: the proposal stands'}           | ${0} | ${64} | ${4} | ${5}     | ${5}
    ${'two calls left after this one: go further'}   | ${7} | ${64} | ${8} | ${10}    | ${16}
    ${'one call left after this one: 2n, the most'}  | ${8} | ${64} | ${8} | ${10}    | ${16}
    ${'just enough: the smallest target that works'} | ${7} | ${48} | ${8} | ${9}     | ${12}
  `('$case', ({ used, peak, n, proposed, target }) => {
    expect(upTarget({ used, peakShards: peak }, n, proposed)).toBe(target);
  });
});
