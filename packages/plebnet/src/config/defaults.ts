/** The world's fixed exchange rate, sats per US dollar (world providers' constants: 1 BTC = 100,000 USD). */
export const WORLD_SATS_PER_USD = 1_000n

/**
 * The shipped defaults of `plebnet_setup.cfg` (AGENT.md §4): the original sections and keys, plus
 * the [new] ones, plus `[chain] backend` and `[rates] source` (real mode: where the agent's chain and
 * BTC/USD rate come from; provider sections like `[bitlaunch]` are cloudomate's own and have no
 * defaults), `[world]` (where the local world's chain, shops and clock are; empty outside a world) and
 * `install.dowry_percent` (share of the spendable balance a new child gets).
 */
export const CONFIG_DEFAULTS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  irc: {
    channel: '#plebnet123',
    server: 'irc.undernet.org',
    port: '6667',
    nick_def: 'plebbot',
    nick: 'plebbot',
    timeout: '60',
  },
  vps: { host: 'linevast', initdate: '', finaldate: '02-06-2018' },
  vpn: {
    installed: '0',
    running: '0',
    pid: '0',
    host: 'mullvad',
    child_prefix: 'child_',
    own_prefix: 'own',
    config_name: '_config.ovpn',
    credentials_name: '_credentials.conf',
    anticaptcha_accountkey: 'SET_ACCOUNT_KEY_HERE',
  },
  paths: {
    PLEBNET_HOME: '~/PlebNet',
    TRIBLER_HOME: '~/PlebNet/tribler',
    LOGGER_PATH: '~/.config',
    VPN_CONFIG_PATH: '~/',
    PLEBNET_CONFIG: '~/.plebnet.cfg',
  },
  filenames: { LOGGER_FILE: 'plebnet.logs' },
  pids: { TRIBLER_PID: 'twistd_tribler.pid', TUNNEL_HELPER_PID: 'twistd_th.pid', IRC_PID: 'ircbot.pid' },
  github: {
    username: 'unset',
    password: 'unset',
    owner: 'unset',
    repo: 'unset',
    token: 'unset',
    active: '0',
    api_url: 'https://api.github.com',
  },
  wallets: {
    testnet: '0',
    testnet_created: '0',
    initiate_once: '0',
    password: 'plebnet',
    btc_global: 'SET_BTC_WALLET_ADDRESS_HERE',
    mb_global: 'SET_MB_WALLET_ADDRESS_HERE',
  },
  strategy: { name: 'constant_sell', vps_count: '1', sma_window_days: '30', order_timeout: '3600' },
  active: { logger: '1', verbose: '1' },
  tribler: { exitnode: '0' },
  daemon: { tick_interval: '300', offer_refresh: '86400' },
  gossip: {
    port: '8000',
    view_size: '8',
    shuffle_size: '4',
    shuffle_interval: '10',
    anti_entropy_interval: '30',
    max_frame: '1048576',
  },
  qd: { trim_f: '1', max_remotes: '8', reward_cap: '1.0', selector: 'qtable' },
  genome: { rate: '0.005', gene_flip_p: '0.05' },
  lease: {
    time_alive: '2592000',
    liquidate_before: '86400',
    sweep_before: '3600',
    bootstrap_state: 'linevast/Basic',
  },
  purchase: { max_consecutive_failures: '3' },
  install: { ref: 'latest', max_attempts: '5', max_wait: '259200', share_secrets: '0', dowry_percent: '50' },
  postcard: {
    active: '0',
    smtp_host: '',
    smtp_port: '587',
    smtp_user: '',
    smtp_password: '',
    from: '',
    to: '',
    include_secrets: '0',
  },
  reporter: { max_issues_per_day: '5', private_logs: '1' },
  vision: { port: '5500', tracker_interval: '600', dead_after: '1800' },
  chain: { backend: '' },
  rates: { source: '' },
  world: { chain_backend: '', providers: '', time_scale: '', epoch_real_ms: '', epoch_world_ms: '' },
}
