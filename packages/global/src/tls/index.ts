/* tls - TLS helpers shared by smtpd and the smtp/lmtp client. */
export * from './protocols.js';
