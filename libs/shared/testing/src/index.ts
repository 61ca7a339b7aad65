export * from './free-port.util';
export * from './temp-dir.util';
export * from './require-peer.util';
export * from './peer-process.util';
export * from './versitygw.peer';
export * from './mariadb.peer';
