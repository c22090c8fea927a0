import {
  ConditionSyntaxError,
  evaluateCondition,
  parseCondition,
} from '../../../functions/probing/conditions';

const body = {
  status: 'ok',
  goroutines: 5234,
  load: 0.85,
  memory: { alloc_mb: 256 },
  items: [1, 2, 3],
  healthy: true,
  count: '12',
  nothing: null,
};
const ctx = {
  status: 200,
  body: JSON.stringify(body),
  json: body as unknown,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  durationMs: 420,
};

describe('conditions', () => {
  it.each([
    ['string equality', '$.status == "ok"'],
    ['single-quoted string', "$.status == 'ok'"],
    ['float kept as float (Gatus truncates 0.85 to 0)', '$.load > 0.8'],
    ['float upper bound', '$.load < 0.86'],
    ['nested path', '$.memory.alloc_mb <= 256'],
    ['numeric string compared as number', '$.count == 12'],
    ['not equal', '$.status != "down"'],
    ['len of array', 'len($.items) == 3'],
    ['bare truthy path', '$.healthy'],
    ['status code', 'status == 200'],
    ['status ordering', 'status < 300'],
    ['duration with unit', 'duration < 800ms'],
    ['header regex', 'header.content-type =~ "json"'],
    ['body regex without quotes', 'body =~ "goroutines"'],
    ['regex negation', '$.status !~ "^fail"'],
    ['null literal', '$.nothing == null'],
    ['boolean literal', '$.healthy == true'],
    ['no spaces around operator', '$.goroutines>5000'],
    ['recursive descent', '$..alloc_mb == 256'],
    ['filter with operator inside brackets', '$.items[?@ > 2] == 3'],
  ])('%s holds: %s', (_name, source) => {
    expect(evaluateCondition(parseCondition(source), ctx)).toEqual({ ok: true });
  });

  it.each([
    ['shows the value seen', '$.goroutines < 5000', '$.goroutines (5234) < 5000'],
    ['string mismatch', '$.status == "down"', '$.status ("ok") == "down"'],
    ['missing path', '$.missing == 1', '$.missing (missing) == 1'],
    ['non-numeric ordering', '$.status > 1', '$.status ("ok", not a number) > 1'],
    ['float compared as float', '$.load < 0.5', '$.load (0.85) < 0.5'],
    ['status', 'status == 204', 'status (200) == 204'],
    ['falsy bare path', '$.nothing', '$.nothing (null) is not truthy'],
    ['missing header', 'header.x-version == "2"', 'header.x-version (missing) == "2"'],
  ])('%s', (_name, source, message) => {
    expect(evaluateCondition(parseCondition(source), ctx)).toEqual({ ok: false, message });
  });

  it('finds JSON values only for JSON targets', () => {
    expect(evaluateCondition(parseCondition('$.status == "ok"'), { ...ctx, json: undefined })).toEqual({
      ok: false,
      message: '$.status (missing) == "ok"',
    });
  });

  it.each([
    ['unknown operand', 'goroutines > 5', /unknown operand/],
    ['ordering needs a number', '$.status > "ok"', /needs a number/],
    ['missing value', '$.status ==', /missing value/],
    ['bad JSONPath', '$.[bad', /not a valid JSONPath/],
    ['bad regex', 'body =~ "("', /bad regular expression/],
    ['bare word literal', '$.status == ok', /not a number, quoted string/],
    ['missing operand', '== 5', /missing operand/],
  ])('rejects %s', (_name, source, message) => {
    expect(() => parseCondition(source)).toThrow(ConditionSyntaxError);
    expect(() => parseCondition(source)).toThrow(message);
  });
});
