'use strict';
const test = require('node:test');
const assert = require('node:assert');
const { add, distance } = require('./math.js');

test('add', () => {
  assert.strictEqual(add(1, 2), 3);
});

test('distance', () => {
  assert.strictEqual(distance(5, 2), 3);
});
