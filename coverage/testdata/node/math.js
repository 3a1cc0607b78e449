'use strict';

function add(a, b) {
  return a + b;
}

function distance(a, b) {
  if (a > b) {
    return a - b;
  }
  return b - a;
}

module.exports = { add, distance };
