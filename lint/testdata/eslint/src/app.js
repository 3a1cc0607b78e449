// Known findings for golden's lint tests: do not fix them.
const unused = 1;

export function check(a) {
  if (a == 2) {
    return missing;
  }
  // eslint-disable-next-line no-undef
  return a;
}
