import { describe, expect, it } from 'vitest';
import { parseHostPort, parseProxyAddress, parseTarget } from '../../src/proxy/served-chain.js';

// The one reading of HOST:PORT (pins, lint --against and --proxy, monitor --endpoint and --proxy).
describe('host and port', () => {
  it.each([
    ['api.example.com:443', { host: 'api.example.com', port: 443 }],
    ['127.0.0.1:8443', { host: '127.0.0.1', port: 8443 }],
    ['[::1]:8443', { host: '::1', port: 8443 }],
    ['api.example.com', undefined],
    ['api.example.com:0', undefined],
    ['api.example.com:65536', undefined],
    ['api example.com:443', undefined],
    ['::1:443', undefined],
  ])('parseHostPort(%j)', (text, expected) => {
    expect(parseHostPort(text)).toEqual(expected);
  });

  it.each([
    ['api.example.com', { host: 'api.example.com', port: 443 }],
    ['[2001:db8::1]', { host: '2001:db8::1', port: 443 }],
    ['api.example.com:8443', { host: 'api.example.com', port: 8443 }],
    ['api.example.com:', undefined],
    ['https://api.example.com', undefined],
  ])('parseTarget(%j): port 443 when absent', (text, expected) => {
    expect(parseTarget(text)).toEqual(expected);
  });

  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['http://127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['HTTP://proxy.corp:3128/', { host: 'proxy.corp', port: 3128 }],
    ['http://[::1]:8080', { host: '::1', port: 8080 }],
    ['https://proxy.corp:3128', undefined],
    ['http://proxy.corp', undefined],
    ['http://user:pw@proxy.corp:3128', undefined],
    ['socks5://127.0.0.1:1080', undefined],
  ])('parseProxyAddress(%j)', (text, expected) => {
    expect(parseProxyAddress(text)).toEqual(expected);
  });
});
