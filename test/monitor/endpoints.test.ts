import { describe, expect, it } from 'vitest';
import { endpointHost, endpointLabel, parseEndpoint, parseEndpointsFile } from '../../src/monitor/endpoints.js';

describe('monitor endpoints', () => {
  it.each([
    ['api.example.com:443', undefined, { host: 'api.example.com', port: 443 }, 'api.example.com:443'],
    ['api.example.com', undefined, { host: 'api.example.com', port: 443 }, 'api.example.com:443'],
    ['127.0.0.1:8443', 'api.pinprick.test', { host: '127.0.0.1', port: 8443, sni: 'api.pinprick.test' }, '127.0.0.1:8443 sni=api.pinprick.test'],
    ['[::1]:8443', undefined, { host: '::1', port: 8443 }, '[::1]:8443'],
  ])('--endpoint %s --sni %s', (text, sni, endpoint, label) => {
    const e = parseEndpoint(text, sni, '--endpoint');
    expect(e).toEqual(endpoint);
    expect(endpointLabel(e)).toBe(label);
  });

  it('the host a chain must be for is the SNI, else the host', () => {
    expect(endpointHost({ host: '10.0.0.5', port: 443, sni: 'api.example.com' })).toBe('api.example.com');
    expect(endpointHost({ host: 'api.example.com', port: 443 })).toBe('api.example.com');
  });

  it.each([
    ['api.example.com:99999', undefined, "--endpoint 'api.example.com:99999': expected HOST:PORT, HOST (port 443) or [IPv6]:PORT"],
    ['https://api.example.com', undefined, "--endpoint 'https://api.example.com': expected HOST:PORT, HOST (port 443) or [IPv6]:PORT"],
    ['api.example.com:443', '10.0.0.1', "--sni '10.0.0.1': an IP address cannot be sent as a server name (RFC 6066 section 3)"],
    ['api.example.com:443', 'bad_name.example', "--sni 'bad_name.example': not a host name: 'bad_name' has a character other than a letter, digit or hyphen"],
    ['api.example.com:443', '', "--sni '': not a host name: it is empty"],
  ])('refuses --endpoint %j --sni %j in one line', (text, sni, message) => {
    expect(() => parseEndpoint(text, sni, '--endpoint')).toThrow(message);
  });

  it('reads an endpoints file: comments, blank lines, sni=, default port', () => {
    const text = ['# production', '', 'api.example.com:443', '  10.0.0.5:8443 sni=api.example.com   # one node', '[2001:db8::5]:8443 sni=api.example.com', 'cdn.example.com\r', ''].join('\n');
    expect(parseEndpointsFile('eps.txt', text)).toEqual([
      { host: 'api.example.com', port: 443 },
      { host: '10.0.0.5', port: 8443, sni: 'api.example.com' },
      { host: '2001:db8::5', port: 8443, sni: 'api.example.com' },
      { host: 'cdn.example.com', port: 443 },
    ]);
  });

  it.each([
    ['a.example:443\nnot a host:1\n', "eps.txt:2: unknown 'a': after the endpoint only sni=NAME may follow"],
    ['a.example:443\nb.example:70000\n', "eps.txt:2: endpoint 'b.example:70000': expected HOST:PORT, HOST (port 443) or [IPv6]:PORT"],
    ['a.example:443 port=1\n', "eps.txt:1: unknown 'port=1': after the endpoint only sni=NAME may follow"],
    ['a.example:443 sni=b.example sni=c.example\n', 'eps.txt:1: sni= given twice'],
    ['10.0.0.1:443 sni=10.0.0.2\n', "eps.txt:1: sni= '10.0.0.2': an IP address cannot be sent as a server name (RFC 6066 section 3)"],
    ['# only a comment\n\n', 'eps.txt: no endpoint (one HOST:PORT [sni=NAME] per line; # comments)'],
    ['a.example:443\n# again\na.example\n', 'eps.txt:3: a.example:443 is already on line 1'],
  ])('refuses a bad endpoints file at file:line (%#)', (text, message) => {
    expect(() => parseEndpointsFile('eps.txt', text)).toThrow(message);
  });

  it('the same address with two server names is two endpoints', () => {
    expect(parseEndpointsFile('eps.txt', '10.0.0.5:443 sni=a.example\n10.0.0.5:443 sni=b.example\n').map(endpointLabel)).toEqual(['10.0.0.5:443 sni=a.example', '10.0.0.5:443 sni=b.example']);
  });
});
