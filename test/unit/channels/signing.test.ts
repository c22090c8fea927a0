import { createHmac } from 'node:crypto';
import { dingtalkSign, feishuSign } from '../../../functions/channels/signing';

describe('dingtalkSign', () => {
  it('matches the reference test vector (secret "demo", 1599360473000 ms)', () => {
    expect(dingtalkSign('demo', 1599360473000)).toEqual({
      timestamp: '1599360473000',
      sign: 'eblRZvilBzXa6Ce18IeBM4pMy1rYNWKicaCg6VMwQe0=',
    });
  });

  it('uses milliseconds and standard Base64, left for URLSearchParams to encode once', () => {
    const { timestamp, sign } = dingtalkSign('SECabc', 1787458530123);
    expect(timestamp).toBe('1787458530123');
    expect(sign).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const url = new URL('https://oapi.dingtalk.com/robot/send?access_token=t');
    url.searchParams.set('sign', sign);
    expect(url.searchParams.get('sign')).toBe(sign); // decodes back to the same value: encoded exactly once
  });

  it('changes with the clock', () => {
    expect(dingtalkSign('demo', 1599360473000).sign).not.toBe(dingtalkSign('demo', 1599360473001).sign);
  });
});

describe('feishuSign', () => {
  it('matches the reference test vector (secret "demo", 1599360473 s)', () => {
    expect(feishuSign('demo', 1599360473_000)).toEqual({
      timestamp: '1599360473',
      sign: 'l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=',
    });
  });

  it('uses whole seconds (milliseconds are floored)', () => {
    expect(feishuSign('demo', 1599360473_999)).toEqual(feishuSign('demo', 1599360473_000));
  });

  it('is not the DingTalk algorithm (key and message are swapped)', () => {
    const dingtalkStyle = createHmac('sha256', 'demo').update('1599360473\ndemo').digest('base64');
    expect(feishuSign('demo', 1599360473_000).sign).not.toBe(dingtalkStyle);
  });
});
