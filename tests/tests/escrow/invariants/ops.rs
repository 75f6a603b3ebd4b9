//! One random operation of the escrow run: its transaction, and what the model predicts.
use super::*;

pub(super) async fn step(ctx: &TestContext, w: &mut World, rng: &mut StdRng) {
    let now = ctx.now().await;
    let payer = w.payer.pubkey();
    let expired = now >= w.budget.expires_at;
    let grant_pick = |w: &World, rng: &mut StdRng| -> Option<usize> {
        (!w.budget.grants.is_empty()).then(|| rng.gen_range(0..w.budget.grants.len()))
    };
    match rng.gen_range(0..100) {
        0..=7 => {
            let amount = rng.gen_range(0..2_000);
            let m = &w.budget;
            let expected = if m.settled {
                err(EscrowError::BudgetSettled)
            } else if expired {
                err(EscrowError::BudgetExpired)
            } else if amount == 0 {
                err(EscrowError::InvalidAmount)
            } else {
                Ok(())
            };
            let ixs = [ix::top_up(&m.b, &payer, &w.payer_token, amount)];
            if apply(
                ctx,
                w,
                &ixs,
                &[&w.payer.insecure_clone()],
                expected,
                "top_up",
            )
            .await
            {
                w.budget.deposited += amount;
            }
        }
        8..=24 => {
            let m = &w.budget;
            if m.grants.iter().filter(|g| !g.closed).count() >= 8 {
                return;
            }
            let vendor = rng.gen_range(0..w.vendors.len());
            let max = rng.gen_range(0..(m.available() / 2).max(2) + 50);
            let not_before = now + rng.gen_range(-100..300);
            let expires_at = if rng.gen_bool(0.1) {
                m.expires_at + 1
            } else {
                now + rng.gen_range(1..LIFETIME)
            };
            let args = IssueGrantArgs {
                redeemer: w.vendors[vendor].0.pubkey(),
                plan: Pubkey::default(),
                step: 0,
                offer_hash: [0; 32],
                max_amount: max,
                not_before,
                expires_at,
            };
            let expected = if m.settled {
                err(EscrowError::BudgetSettled)
            } else if expired {
                err(EscrowError::BudgetExpired)
            } else if max == 0 {
                err(EscrowError::InvalidAmount)
            } else if !(expires_at > now && not_before < expires_at && expires_at <= m.expires_at) {
                err(EscrowError::InvalidWindow)
            } else if max > m.available() {
                err(EscrowError::InsufficientAvailable)
            } else {
                Ok(())
            };
            let index = m.grant_base + m.grants.len() as u32;
            let ixs = [ix::issue_grant(
                &m.b.budget,
                &payer,
                index,
                &w.vendors[vendor].1,
                args,
            )];
            if apply(
                ctx,
                w,
                &ixs,
                &[&w.payer.insecure_clone()],
                expected,
                "issue_grant",
            )
            .await
            {
                let slot = ctx.chain.clock().await.unwrap().slot;
                let m = &mut w.budget;
                m.reserved += max;
                m.open_grants += 1;
                m.grants.push(GrantModel {
                    address: pda::grant(&m.b.budget, index).0,
                    vendor,
                    max,
                    redeemed: 0,
                    not_before,
                    expires_at,
                    issued_slot: slot,
                    revoked: false,
                    closed: false,
                });
            }
        }
        25..=44 => {
            let Some(i) = grant_pick(w, rng) else { return };
            let g = w.budget.grants[i].clone();
            if g.closed {
                return;
            }
            let amount = rng.gen_range(0..=(g.max - g.redeemed).saturating_add(3));
            let by_attacker = rng.gen_bool(0.15);
            let redeemer = if by_attacker {
                w.attacker.insecure_clone()
            } else {
                w.vendors[g.vendor].0.insecure_clone()
            };
            let m = &w.budget;
            let expected = if by_attacker {
                err(EscrowError::Unauthorized)
            } else if m.settled {
                err(EscrowError::BudgetSettled)
            } else if expired {
                err(EscrowError::BudgetExpired)
            } else if g.revoked {
                err(EscrowError::GrantRevoked)
            } else if now < g.not_before {
                err(EscrowError::GrantNotYetValid)
            } else if now >= g.expires_at {
                err(EscrowError::GrantExpired)
            } else if amount == 0 {
                err(EscrowError::InvalidAmount)
            } else if amount > g.max - g.redeemed {
                err(EscrowError::SpendLimitExceeded)
            } else {
                Ok(())
            };
            let ixs = [ix::redeem(
                &m.b,
                &g.address,
                &w.vendors[g.vendor].1,
                &redeemer.pubkey(),
                amount,
                [1; 32],
            )];
            if apply(ctx, w, &ixs, &[&redeemer], expected, "redeem").await {
                w.vendor_paid[g.vendor] += amount;
                let m = &mut w.budget;
                m.grants[i].redeemed += amount;
                m.redeemed += amount;
                m.reserved -= amount;
            }
        }
        45..=54 => {
            let Some(i) = grant_pick(w, rng) else { return };
            let g = w.budget.grants[i].clone();
            if g.closed {
                return;
            }
            let cumulative = g.redeemed + rng.gen_range(0..=(g.max - g.redeemed).saturating_add(2));
            let voucher = Voucher {
                budget: w.budget.b.budget,
                grant: g.address,
                grant_issued_slot: g.issued_slot,
                vendor: w.vendors[g.vendor].1,
                cumulative,
                expires_at: now + 600,
            };
            let m = &w.budget;
            let expected = if m.settled {
                err(EscrowError::BudgetSettled)
            } else if expired {
                err(EscrowError::BudgetExpired)
            } else if cumulative <= g.redeemed {
                err(EscrowError::VoucherNotIncreasing)
            } else if cumulative > g.max {
                err(EscrowError::VoucherAboveGrant)
            } else if g.revoked {
                err(EscrowError::GrantRevoked)
            } else if now < g.not_before {
                err(EscrowError::GrantNotYetValid)
            } else if now >= g.expires_at {
                err(EscrowError::GrantExpired)
            } else {
                Ok(())
            };
            let ixs = settle_vouchers_ixs(&m.b, &[voucher.sign(&w.session)]);
            if apply(ctx, w, &ixs, &[], expected, "settle_voucher").await {
                let m = &mut w.budget;
                let delta = cumulative - m.grants[i].redeemed;
                w.vendor_paid[g.vendor] += delta;
                m.grants[i].redeemed = cumulative;
                m.redeemed += delta;
                m.reserved -= delta;
            }
        }
        55..=62 => {
            let Some(i) = grant_pick(w, rng) else { return };
            let g = w.budget.grants[i].clone();
            if g.closed {
                return;
            }
            let expected = if g.revoked {
                err(EscrowError::GrantRevoked)
            } else {
                Ok(())
            };
            let ixs = [ix::revoke_grant(&w.budget.b.budget, &g.address, &payer)];
            if apply(
                ctx,
                w,
                &ixs,
                &[&w.payer.insecure_clone()],
                expected,
                "revoke_grant",
            )
            .await
            {
                let m = &mut w.budget;
                if !m.settled {
                    m.reserved -= g.max - g.redeemed;
                }
                m.grants[i].revoked = true;
            }
        }
        63..=72 => {
            let by_attacker = rng.gen_bool(0.3);
            let m = &w.budget;
            let amount = rng.gen_range(0..=m.available().saturating_add(5));
            let caller = if by_attacker {
                w.attacker.insecure_clone()
            } else {
                w.payer.insecure_clone()
            };
            let vault = m.balance() + m.donated;
            let expected = if m.settled {
                err(EscrowError::BudgetSettled)
            } else if !expired && by_attacker {
                err(EscrowError::BudgetNotExpired)
            } else if expired {
                if vault == 0 {
                    err(EscrowError::NothingToRefund)
                } else {
                    Ok(())
                }
            } else if amount == 0 {
                err(EscrowError::InvalidAmount)
            } else if amount > m.available() {
                err(EscrowError::InsufficientAvailable)
            } else {
                Ok(())
            };
            let ixs = [ix::refund(&m.b, &w.payer_token, &caller.pubkey(), amount)];
            if apply(ctx, w, &ixs, &[&caller], expected, "refund").await {
                let m = &mut w.budget;
                if expired {
                    m.deposited += m.donated;
                    m.refunded += vault;
                    m.donated = 0;
                    m.reserved = 0;
                    m.settled = true;
                } else {
                    m.refunded += amount;
                }
            }
        }
        73..=80 => {
            let Some(i) = grant_pick(w, rng) else { return };
            let g = w.budget.grants[i].clone();
            if g.closed {
                return;
            }
            let m = &w.budget;
            let live = !g.revoked && !m.settled && g.max > g.redeemed && now < g.expires_at;
            let expected = if live {
                err(EscrowError::GrantStillLive)
            } else {
                Ok(())
            };
            let ixs = [ix::close_grant(&m.b.budget, &g.address, &payer)];
            if apply(ctx, w, &ixs, &[], expected, "close_grant").await {
                let m = &mut w.budget;
                if !g.revoked && !m.settled {
                    m.reserved -= g.max - g.redeemed;
                }
                m.grants[i].closed = true;
                m.open_grants -= 1;
            }
        }
        81..=84 => {
            // Someone sends tokens straight into the vault.
            let amount = rng.gen_range(1..50);
            let ix = spl_token_2022_interface::instruction::transfer_checked(
                &anchor_spl::token::ID,
                &w.attacker_token,
                &w.mint,
                &w.budget.b.vault,
                &w.attacker.pubkey(),
                &[],
                amount,
                6,
            )
            .unwrap();
            let have = ctx.chain.token_balance(&w.attacker_token).await.unwrap();
            if have >= amount && !w.budget.settled {
                let result = ctx.chain.send(&[ix], &[&w.attacker.insecure_clone()]).await;
                result.expect("donation");
                w.budget.donated += amount;
            }
        }
        85..=92 => {
            let seconds = rng.gen_range(1..(LIFETIME / 6));
            ctx.warp_seconds(seconds).await;
        }
        _ => {
            // Close the budget when possible and open a new one.
            let m = &w.budget;
            let vault = m.balance() + m.donated;
            // L3: what nobody deposited (donations) never keeps a budget open; it is swept to
            // the payer on close.
            let expected = if m.open_grants > 0 {
                err(EscrowError::GrantsStillOpen)
            } else if vault > m.donated {
                err(EscrowError::BudgetHoldsFunds)
            } else {
                Ok(())
            };
            let ixs = [ix::close_budget(&m.b, &payer, &payer)];
            if apply(
                ctx,
                w,
                &ixs,
                &[&w.payer.insecure_clone()],
                expected,
                "close_budget",
            )
            .await
            {
                let have = ctx.chain.token_balance(&w.payer_token).await.unwrap();
                let payer_kp = w.payer.insecure_clone();
                let next_base = w.budget.grant_base + 1_024;
                w.budget = open(
                    ctx,
                    &payer_kp,
                    &w.payer_token,
                    w.mint,
                    rng,
                    have.clamp(1, 50_000),
                    next_base,
                )
                .await;
            }
        }
    }
}
