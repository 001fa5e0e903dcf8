import { createMemoryWalletStore, openSqliteWalletStore } from '@dolly/wallet'
import { walletStoreContract } from './wallet-store.contract.ts'

walletStoreContract('sqlite :memory:', () => openSqliteWalletStore(':memory:'))
walletStoreContract('memory', createMemoryWalletStore)
